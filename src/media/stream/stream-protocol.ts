import {
  FROM_APP_EVENTS,
  type FromAppMessage,
  FromAppMessageSchema,
  type MediaFormat,
  type StartMessage,
  type StreamTrack,
} from '../../../schemas/stream/index.ts';
import type { StreamFormat } from './stream-format.ts';

/** What is wrong with a frame the application sent; each kind is counted. */
export type AppMessageProblem = 'binary' | 'not-json' | 'bad-message' | 'unknown-event' | 'bad-base64';

export type ParsedAppMessage =
  | { ok: true; message: FromAppMessage }
  | { ok: false; problem: AppMessageProblem; detail: string };

const KNOWN = new Set<string>(FROM_APP_EVENTS);

/**
 * Reads one text frame from the application (spec/vobizxml.md 3.3) without ever throwing:
 * invalid JSON, an unknown `event`, a message missing required fields and a payload that is
 * not base64 come back as a problem to count and log.
 */
export function parseAppMessage(text: string): ParsedAppMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'not-json', detail: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problem: 'bad-message', detail: 'not a JSON object' };
  }
  const event = (value as { event?: unknown }).event;
  if (typeof event !== 'string') return { ok: false, problem: 'bad-message', detail: 'no "event"' };
  if (!KNOWN.has(event)) {
    return {
      ok: false,
      problem: 'unknown-event',
      detail: `unknown event ${JSON.stringify(event.slice(0, 40))}`,
    };
  }
  const r = FromAppMessageSchema.safeParse(value);
  if (r.success) return { ok: true, message: r.data };
  const issue = r.error.issues[0];
  const path = issue?.path.join('.') ?? '';
  const problem = path === 'media.payload' && issue?.code !== 'invalid_type' ? 'bad-base64' : 'bad-message';
  return { ok: false, problem, detail: `${event}: ${path || 'message'}: ${issue?.message ?? 'invalid'}` };
}

/** `start.mediaFormat` of a format. */
export function mediaFormat(f: StreamFormat): MediaFormat {
  return { encoding: f.encoding, sampleRate: f.sampleRate };
}

/** The `start` message (3.2, the current shape: ids under `start`). */
export function startMessage(opts: {
  callId: string;
  streamId: string;
  accountId: string;
  tracks: StreamTrack[];
  format: StreamFormat;
  extraHeaders: string;
}): StartMessage {
  return {
    event: 'start',
    sequenceNumber: 0,
    start: {
      callId: opts.callId,
      streamId: opts.streamId,
      accountId: opts.accountId,
      tracks: opts.tracks,
      mediaFormat: mediaFormat(opts.format),
    },
    extra_headers: opts.extraHeaders,
  };
}

/** The extraHeaders as the JSON messages carry them: a JSON object in a string, `"{}"` when none. */
export function extraHeadersField(headers: Record<string, string>): string {
  return JSON.stringify(headers);
}

/** The tracks a stream forks (2.14 `audioTrack`). */
export function tracksOf(audioTrack: 'inbound' | 'outbound' | 'both'): StreamTrack[] {
  return audioTrack === 'both' ? ['inbound', 'outbound'] : [audioTrack];
}
