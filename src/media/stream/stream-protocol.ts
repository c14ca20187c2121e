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
import { base64Length, decodeBase64Into, encodeBase64Into } from '../../util/base64.ts';
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

/** A playAudio `contentType` read (undefined: not one the schema accepts), remembered. */
export function playContentType(value: string): PlayContentType | undefined {
  let type = contentTypes.get(value);
  if (type === undefined && !contentTypes.has(value)) {
    type = parsePlayContentType(value);
    if (contentTypes.size >= MAX_CONTENT_TYPES) contentTypes.clear();
    contentTypes.set(value, type);
  }
  return type;
}

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
    type = playContentType(contentType);
    if (!type) return undefined;
  }
  const out: PlayAudioMessage['media'] = { payload };
  if (type) out.contentType = type.rate === undefined ? { encoding: type.encoding } : { ...type };
  if (sampleRate !== undefined) out.sampleRate = sampleRate as number;
  return streamId === undefined
    ? { event: 'playAudio', media: out }
    : { event: 'playAudio', streamId, media: out };
}

/** Where the parts of a plain `playAudio` frame are (scanPlayAudio). */
export interface PlayAudioFrame {
  /** undefined when absent (the stream's format applies). */
  contentType: string | undefined;
  sampleRate: number | undefined;
  /** The base64 payload: bytes [payloadStart, payloadEnd) of the frame, not yet checked. */
  payloadStart: number;
  payloadEnd: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const KEY_EVENT = ascii('event');
const KEY_STREAM_ID = ascii('streamId');
const KEY_MEDIA = ascii('media');
const KEY_PAYLOAD = ascii('payload');
const KEY_CONTENT_TYPE = ascii('contentType');
const KEY_SAMPLE_RATE = ascii('sampleRate');
const PLAY_AUDIO = ascii('playAudio');

/** A cursor over JSON bytes that reads only the plainest tokens and says no to the rest. */
class PlainJson {
  at = 0;
  /** End of the last string read (its closing quote). */
  end = 0;

  constructor(private readonly b: Uint8Array) {}

  skipSpace(): void {
    const b = this.b;
    let i = this.at;
    while (i < b.length) {
      const c = b[i];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      i++;
    }
    this.at = i;
  }

  take(char: number): boolean {
    this.skipSpace();
    if (this.b[this.at] !== char) return false;
    this.at++;
    return true;
  }

  /**
   * A string without escapes or control characters (only printable ASCII when `asciiOnly`):
   * the index of its first character (its end in `end`), or -1.
   */
  string(asciiOnly: boolean): number {
    this.skipSpace();
    const b = this.b;
    if (b[this.at] !== QUOTE) return -1;
    const start = this.at + 1;
    for (let i = start; i < b.length; i++) {
      const c = b[i] as number;
      if (c === QUOTE) {
        this.end = i;
        this.at = i + 1;
        return start;
      }
      if (c === BACKSLASH || c < 0x20 || (asciiOnly && c > 0x7e)) return -1;
    }
    return -1;
  }

  /**
   * The base64 payload's string, found by its closing quote alone (a native search over the
   * few hundred bytes): an escape, control character or non-ASCII byte inside it fails the
   * strict base64 decoding that follows, so it is not looked for here. Its start, or -1.
   */
  payload(): number {
    this.skipSpace();
    if (this.b[this.at] !== QUOTE) return -1;
    const start = this.at + 1;
    const end = this.b.indexOf(QUOTE, start);
    if (end < 0) return -1;
    this.end = end;
    this.at = end + 1;
    return start;
  }

  /** Digits only (no sign, fraction, exponent or leading zero), up to 9 of them; or -1. */
  integer(): number {
    this.skipSpace();
    const b = this.b;
    const start = this.at;
    let i = start;
    let v = 0;
    for (; i < b.length && i - start < 10; i++) {
      const c = b[i] as number;
      if (c < 0x30 || c > 0x39) break;
      v = v * 10 + c - 0x30;
    }
    const next = b[i];
    if (i === start || i - start > 9 || (b[start] === 0x30 && i - start > 1)) return -1;
    if (next === 0x2e || next === 0x65 || next === 0x45) return -1;
    this.at = i;
    return v;
  }

  /** Whether the last string read is `key`. */
  was(start: number, key: Uint8Array): boolean {
    if (this.end - start !== key.length) return false;
    for (let i = 0; i < key.length; i++) if (this.b[start + i] !== key[i]) return false;
    return true;
  }

  done(): boolean {
    this.skipSpace();
    return this.at === this.b.length;
  }
}

/**
 * Reads the usual `playAudio` (every 20 ms of every bidirectional stream) straight from the
 * frame's bytes, so that neither the frame's text nor a parsed object nor the payload's
 * string is made. Only the plainest shape: an object of `"event":"playAudio"`, an optional
 * `"streamId"` string and `"media"`: an object of a `"payload"` string, an optional
 * `"contentType"` string and an optional `"sampleRate"` integer, any order, any JSON
 * whitespace. Anything else (another event, other or repeated keys, escapes in a string, a
 * rate with a fraction or in quotes, bytes after the object) answers undefined and goes the
 * full way (JSON.parse, plainPlayAudio, the schema), which also words any problem.
 */
export function scanPlayAudio(frame: Uint8Array): PlayAudioFrame | undefined {
  const j = new PlainJson(frame);
  let seen = 0; // bits: 1 event, 2 streamId, 4 media, 8 payload, 16 contentType, 32 sampleRate
  const out: PlayAudioFrame = {
    contentType: undefined,
    sampleRate: undefined,
    payloadStart: -1,
    payloadEnd: -1,
  };
  if (!j.take(0x7b)) return undefined;
  do {
    const key = j.string(true);
    if (key < 0 || !j.take(0x3a)) return undefined;
    if (j.was(key, KEY_EVENT) && !(seen & 1)) {
      seen |= 1;
      const v = j.string(true);
      if (v < 0 || !j.was(v, PLAY_AUDIO)) return undefined;
    } else if (j.was(key, KEY_STREAM_ID) && !(seen & 2)) {
      seen |= 2;
      if (j.string(false) < 0) return undefined;
    } else if (j.was(key, KEY_MEDIA) && !(seen & 4)) {
      seen |= 4;
      if (!j.take(0x7b)) return undefined;
      do {
        const field = j.string(true);
        if (field < 0 || !j.take(0x3a)) return undefined;
        if (j.was(field, KEY_PAYLOAD) && !(seen & 8)) {
          seen |= 8;
          out.payloadStart = j.payload();
          if (out.payloadStart < 0) return undefined;
          out.payloadEnd = j.end;
        } else if (j.was(field, KEY_CONTENT_TYPE) && !(seen & 16)) {
          seen |= 16;
          const v = j.string(true);
          if (v < 0 || j.end - v > 64) return undefined;
          out.contentType = String.fromCharCode.apply(null, frame.subarray(v, j.end) as unknown as number[]);
        } else if (j.was(field, KEY_SAMPLE_RATE) && !(seen & 32)) {
          seen |= 32;
          const v = j.integer();
          if (v < 0) return undefined;
          out.sampleRate = v;
        } else return undefined;
      } while (j.take(0x2c));
      if (!j.take(0x7d)) return undefined;
    } else return undefined;
  } while (j.take(0x2c));
  if (!j.take(0x7d) || !j.done() || (seen & 13) !== 13) return undefined;
  return out;
}

/** A plain `playAudio` read from its frame's bytes (readPlayAudioFrame). */
export interface PlayAudioBytes {
  /** The decoded payload, in the buffer the caller lent. */
  payload: Uint8Array;
  contentType: PlayContentType | undefined;
  sampleRate: number | undefined;
}

/**
 * The usual `playAudio` taken from its bytes: scanPlayAudio, then what the schema would
 * check (a contentType it knows, a rate it allows, strict base64), the payload decoded
 * into `room(bytes)`. Undefined for anything else: the frame then goes the full way.
 */
export function readPlayAudioFrame(
  frame: Uint8Array,
  room: (bytes: number) => Uint8Array,
): PlayAudioBytes | undefined {
  const plain = scanPlayAudio(frame);
  if (!plain) return undefined;
  let contentType: PlayContentType | undefined;
  if (plain.contentType !== undefined) {
    contentType = playContentType(plain.contentType);
    if (!contentType) return undefined;
  }
  const rate = plain.sampleRate;
  if (rate !== undefined && !(PLAY_RATES as readonly number[]).includes(rate)) return undefined;
  const into = room(((plain.payloadEnd - plain.payloadStart) / 4) * 3);
  const n = decodeBase64Into(frame, plain.payloadStart, plain.payloadEnd, into);
  if (n < 0) return undefined;
  return { payload: into.subarray(0, n), contentType, sampleRate: rate };
}

/**
 * The bytes of a `media` message (3.2), written straight into one buffer rather than through
 * JSON.stringify, a base64 string and a UTF-8 copy (50 of them a second per track): the same
 * bytes, in the same order, as the UTF-8 of `JSON.stringify({ event, sequenceNumber,
 * streamId, media: { track, timestamp, chunk, payload }, extra_headers })` with the payload
 * in base64. The parts that never change on a connection are escaped and encoded once.
 */
export class MediaMessageWriter {
  private readonly heads: Record<StreamTrack, Buffer>;
  private readonly tail: Buffer;

  constructor(streamId: string, extraHeaders: string) {
    const head = (track: StreamTrack) =>
      Buffer.from(`,"streamId":${JSON.stringify(streamId)},"media":{"track":"${track}","timestamp":"`);
    this.heads = { inbound: head('inbound'), outbound: head('outbound') };
    this.tail = Buffer.from(`"},"extra_headers":${JSON.stringify(extraHeaders)}}`);
  }

  /** A new buffer holding the whole message; `payload` is the audio's bytes. */
  write(
    sequenceNumber: number,
    track: StreamTrack,
    timestamp: number,
    chunk: number,
    payload: Uint8Array,
  ): Buffer {
    const head = this.heads[track];
    const size =
      MEDIA_EVENT.length +
      numberLength(sequenceNumber) +
      head.length +
      numberLength(timestamp) +
      CHUNK.length +
      numberLength(chunk) +
      PAYLOAD.length +
      base64Length(payload.length) +
      this.tail.length;
    const out = Buffer.allocUnsafe(size);
    let at = MEDIA_EVENT.copy(out, 0);
    at = writeNumber(sequenceNumber, out, at);
    at += head.copy(out, at);
    at = writeNumber(timestamp, out, at);
    at += CHUNK.copy(out, at);
    at = writeNumber(chunk, out, at);
    at += PAYLOAD.copy(out, at);
    at = encodeBase64Into(payload, out, at);
    this.tail.copy(out, at);
    return out;
  }
}

const MEDIA_EVENT = Buffer.from('{"event":"media","sequenceNumber":');
const CHUNK = Buffer.from('","chunk":');
const PAYLOAD = Buffer.from(',"payload":"');

/** Characters of a number as JSON (and String) writes it. */
function numberLength(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) return String(n).length;
  let len = 1;
  for (let v = n; v >= 10; v = Math.floor(v / 10)) len++;
  return len;
}

/** Writes a number as JSON writes it (its digits for the usual counters and times); returns the end. */
function writeNumber(n: number, out: Buffer, at: number): number {
  if (!Number.isSafeInteger(n) || n < 0) return at + out.write(String(n), at, 'latin1');
  const end = at + numberLength(n);
  let v = n;
  for (let i = end - 1; i >= at; i--) {
    out[i] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  }
  return end;
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
