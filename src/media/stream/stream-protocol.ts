import {
  BASE64,
  FROM_APP_EVENTS,
  type FromAppMessage,
  FromAppMessageSchema,
  type MediaFormat,
  PLAY_RATES,
  type PlayAudioMessage,
  type PlayContentType,
  parsePlayContentType,
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
  if (event === 'playAudio') {
    const fast = plainPlayAudio(value as Record<string, unknown>);
    if (fast) return { ok: true, message: fast };
  }
  const r = FromAppMessageSchema.safeParse(value);
  if (r.success) return { ok: true, message: r.data };
  const issue = r.error.issues[0];
  const path = issue?.path.join('.') ?? '';
  const problem = path === 'media.payload' && issue?.code !== 'invalid_type' ? 'bad-base64' : 'bad-message';
  return { ok: false, problem, detail: `${event}: ${path || 'message'}: ${issue?.message ?? 'invalid'}` };
}

/** Content types seen, parsed once (an agent sends the same one or two on every frame). */
const contentTypes = new Map<string, PlayContentType | undefined>();
const MAX_CONTENT_TYPES = 64;

/**
 * The usual `playAudio` (every 20 ms of every bidirectional stream) read without the
 * schema's machinery: string payload in base64, an optional contentType string, an
 * optional numeric sampleRate. The result is what the schema would give; anything less
 * plain (a rate as a string, a bad field) returns undefined and goes through the schema,
 * which also words the problem.
 */
export function plainPlayAudio(value: Record<string, unknown>): PlayAudioMessage | undefined {
  const streamId = value.streamId;
  if (streamId !== undefined && typeof streamId !== 'string') return undefined;
  const media = value.media;
  if (typeof media !== 'object' || media === null || Array.isArray(media)) return undefined;
  const { contentType, sampleRate, payload } = media as Record<string, unknown>;
  if (typeof payload !== 'string' || !BASE64.test(payload)) return undefined;
  if (sampleRate !== undefined && !(PLAY_RATES as readonly unknown[]).includes(sampleRate)) return undefined;
  let type: PlayContentType | undefined;
  if (contentType !== undefined) {
    if (typeof contentType !== 'string') return undefined;
    type = contentTypes.get(contentType);
    if (type === undefined && !contentTypes.has(contentType)) {
      type = parsePlayContentType(contentType);
      if (contentTypes.size >= MAX_CONTENT_TYPES) contentTypes.clear();
      contentTypes.set(contentType, type);
    }
    if (!type) return undefined;
  }
  const out: PlayAudioMessage['media'] = { payload };
  if (type) out.contentType = type.rate === undefined ? { encoding: type.encoding } : { ...type };
  if (sampleRate !== undefined) out.sampleRate = sampleRate as number;
  return streamId === undefined
    ? { event: 'playAudio', media: out }
    : { event: 'playAudio', streamId, media: out };
}

/**
 * The text of a `media` message (3.2), written straight rather than through JSON.stringify
 * (50 of them a second per track): the same characters, in the same order, as
 * `JSON.stringify({ event, sequenceNumber, streamId, media: { track, timestamp, chunk,
 * payload }, extra_headers })`. The parts that never change on a connection are escaped once.
 */
export class MediaMessageWriter {
  private readonly head: string;
  private readonly tail: string;

  constructor(streamId: string, extraHeaders: string) {
    this.head = `,"streamId":${JSON.stringify(streamId)},"media":{"track":"`;
    this.tail = `},"extra_headers":${JSON.stringify(extraHeaders)}}`;
  }

  /** `payload` is base64 and `track` a track name: neither needs escaping. */
  write(
    sequenceNumber: number,
    track: StreamTrack,
    timestamp: number,
    chunk: number,
    payload: string,
  ): string {
    return `{"event":"media","sequenceNumber":${sequenceNumber}${this.head}${track}","timestamp":"${timestamp}","chunk":${chunk},"payload":"${payload}"${this.tail}`;
  }
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
