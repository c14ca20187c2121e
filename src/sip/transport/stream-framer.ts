import { ParseError } from '../errors.ts';
import { reasonPhrase } from '../message/reason.ts';

/** Where a framer delivers what it finds in the byte stream. */
export interface StreamFramerSink {
  /** One complete message: header section plus exactly Content-Length body bytes. */
  message(data: Buffer): void;
  /** A CRLFCRLF ping between messages (RFC 5626 4.4.1): the transport answers with CRLF. */
  keepAlive(): void;
  /**
   * The stream cannot be framed any more; the framer ignores every later byte and the
   * connection must close (RFC 4475 3.3.9). `head` is the header section when it was
   * complete, so that a 400 can still be built from it.
   */
  error(err: ParseError, head: Buffer | undefined): void;
}

export interface StreamFramerLimits {
  /** Largest header section (start line to CRLFCRLF). Default 64 KiB. */
  maxHeaderBytes?: number;
  /** Largest body. Default 64 KiB. */
  maxBodyBytes?: number;
}

export const DEFAULT_MAX_HEADER_BYTES = 65536;
export const DEFAULT_MAX_BODY_BYTES = 65536;

const CR = 0x0d;
const LF = 0x0a;
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const CONTENT_LENGTH = 'content-length';

/**
 * Splits a stream (TCP, TLS) into SIP messages by Content-Length (RFC 3261 18.3). It
 * scans bytes only: the buffer is never turned into a string.
 *
 *   head --CRLFCRLF, Content-Length n--> body --n bytes--> head
 *     |                                    |
 *     +------- bad or missing length, -----+--> failed (absorbing)
 *              size limit exceeded
 *
 * A stream message without Content-Length is a framing error, not a length of 0: 18.3 and
 * 20.14 make the header mandatory on streams, and guessing 0 would take a body that is
 * there for the start of the next message and lose framing silently. Equal repeated
 * Content-Length values are accepted; differing ones are an error (RFC 4475 3.3.9).
 */
export class StreamFramer {
  private state: 'head' | 'body' | 'failed' = 'head';
  private pending: Buffer | undefined;
  /** Where to resume the search for CRLFCRLF in `pending`. */
  private scanFrom = 0;
  /** In `body`: length of the whole message (header section plus body). */
  private messageLength = 0;
  private readonly maxHeaderBytes: number;
  private readonly maxBodyBytes: number;

  constructor(
    private readonly sink: StreamFramerSink,
    limits: StreamFramerLimits = {},
  ) {
    this.maxHeaderBytes = limits.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
    this.maxBodyBytes = limits.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  }

  /** Bytes held waiting for the rest of a message. */
  get buffered(): number {
    return this.pending ? this.pending.length : 0;
  }

  get failed(): boolean {
    return this.state === 'failed';
  }

  push(chunk: Buffer): void {
    if (this.state === 'failed' || chunk.length === 0) return;
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    let pos = 0;
    while (pos < buf.length) {
      if (this.state === 'head') {
        if (this.scanFrom === 0) {
          const skipped = this.skipCrlf(buf, pos);
          if (this.failed) return;
          if (skipped < 0) {
            pos = -skipped - 1; // a possible CRLFCRLF ping is not complete yet
            break;
          }
          pos = skipped;
          if (pos >= buf.length) break;
        }
        const end = buf.indexOf(CRLFCRLF, pos + this.scanFrom);
        if (end < 0) {
          if (buf.length - pos > this.maxHeaderBytes) {
            this.fail(framingError(513, 'header section too large'), undefined);
            return;
          }
          this.scanFrom = Math.max(0, buf.length - pos - 3);
          break;
        }
        const headLength = end + 4 - pos;
        if (headLength > this.maxHeaderBytes) {
          this.fail(framingError(513, 'header section too large'), undefined);
          return;
        }
        const length = this.contentLength(buf, pos, end + 2);
        if (length < 0) return;
        this.messageLength = headLength + length;
        this.scanFrom = 0;
        this.state = 'body';
      }
      // In 'body': wait for the whole message.
      if (buf.length - pos < this.messageLength) break;
      const message = buf.subarray(pos, pos + this.messageLength);
      pos += this.messageLength;
      this.state = 'head';
      this.sink.message(message);
      if (this.failed) return; // the sink stopped us
    }
    if (pos < buf.length) this.pending = pos === 0 ? buf : buf.subarray(pos);
  }

  /** Stops framing for good (the connection is closing); later bytes are ignored. */
  stop(): void {
    this.state = 'failed';
    this.pending = undefined;
  }

  /**
   * Skips CRLFs before a start line (RFC 3261 7.5), reporting each CRLFCRLF as a ping.
   * Returns the new position, or -(pos + 1) when the buffer ends at `pos` inside what may
   * still become a ping.
   */
  private skipCrlf(buf: Buffer, pos: number): number {
    while (pos < buf.length) {
      const c = buf[pos];
      if (c !== CR && c !== LF) return pos;
      if (c === CR && (pos + 1 >= buf.length || buf[pos + 1] === LF)) {
        const n = buf.length - pos;
        // CR, CRLF, CRLFCR at the very end: wait for the bytes that decide.
        if (n < 4 && (n < 3 || buf[pos + 2] === CR)) return -(pos + 1);
        if (n >= 4 && buf[pos + 2] === CR && buf[pos + 3] === LF) {
          this.sink.keepAlive();
          if (this.failed) return buf.length;
          pos += 4;
          continue;
        }
      }
      pos++;
    }
    return pos;
  }

  /**
   * Reads Content-Length (or compact `l`) from the header lines in [start, end). Returns
   * the length, or -1 after failing the stream.
   */
  private contentLength(buf: Buffer, start: number, end: number): number {
    let found = -1;
    let line = start;
    while (line < end) {
      let eol = buf.indexOf(LF, line);
      if (eol < 0 || eol > end) eol = end;
      const colon = headerColon(buf, line, eol);
      if (colon > 0) {
        const value = parseLength(buf, colon + 1, eol);
        if (value < 0 || (found >= 0 && found !== value)) {
          const defect = value < 0 ? 'bad Content-Length' : 'conflicting Content-Length values';
          this.fail(framingError(400, defect), buf.subarray(start, end + 2));
          return -1;
        }
        found = value;
      }
      line = eol + 1;
    }
    if (found < 0) {
      this.fail(framingError(400, 'missing Content-Length'), buf.subarray(start, end + 2));
      return -1;
    }
    if (found > this.maxBodyBytes) {
      this.fail(framingError(413, 'body too large'), buf.subarray(start, end + 2));
      return -1;
    }
    return found;
  }

  private fail(err: ParseError, head: Buffer | undefined): void {
    this.state = 'failed';
    this.pending = undefined;
    this.sink.error(err, head);
  }
}

/**
 * When the line [line, eol) is a Content-Length header (full or compact name, any case,
 * optional whitespace before the colon), returns the colon's offset; else -1.
 */
function headerColon(buf: Buffer, line: number, eol: number): number {
  const first = buf[line] | 0x20;
  let p: number;
  if (first === 0x6c /* l */) {
    p = line + 1;
  } else if (first === 0x63 /* c */ && eol - line > CONTENT_LENGTH.length) {
    for (let i = 1; i < CONTENT_LENGTH.length; i++) {
      if ((buf[line + i] | 0x20) !== CONTENT_LENGTH.charCodeAt(i)) return -1;
    }
    p = line + CONTENT_LENGTH.length;
  } else {
    return -1;
  }
  while (p < eol && (buf[p] === 0x20 || buf[p] === 0x09)) p++;
  return p < eol && buf[p] === 0x3a ? p : -1;
}

/** Parses decimal digits between optional whitespace in [from, to); -1 when it is not a length. */
function parseLength(buf: Buffer, from: number, to: number): number {
  let p = from;
  let end = to;
  while (p < end && (buf[p] === 0x20 || buf[p] === 0x09)) p++;
  while (end > p && (buf[end - 1] === 0x20 || buf[end - 1] === 0x09 || buf[end - 1] === CR)) end--;
  if (p === end || end - p > 9) return -1;
  let n = 0;
  for (; p < end; p++) {
    const d = buf[p] - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** The reason phrase names the defect, as the parser's errors do: "Bad Request - ...". */
function framingError(status: number, defect: string): ParseError {
  return new ParseError(`${reasonPhrase(status)} - ${defect}`, status);
}
