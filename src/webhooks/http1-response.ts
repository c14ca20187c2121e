/**
 * An HTTP/1.1 response read from a byte stream (RFC 9112), for the webhook client's own
 * connections: the status line and header fields, then the body framed by Content-Length,
 * chunked transfer coding or the end of the connection (RFC 9112 6.3). Interim 1xx
 * responses are skipped. Only what the client needs is kept of the head (status,
 * Content-Type, Content-Length, whether the connection may be reused).
 *
 *   head --(1xx)--> head
 *   head --> fixed | chunk-size <-> chunk-data | until-close | (no body) --> done
 *   chunk-size --(0)--> trailers --> done
 *   any --(malformed)--> failed
 *
 * A server is not trusted: the head is capped (HEAD_LIMIT), framing that contradicts itself
 * fails, and no number is taken that is not plain digits.
 */

export interface ResponseHead {
  status: number;
  contentType: string;
  /** Content-Length when the body is framed by it. */
  contentLength: number | undefined;
  /** Whether the connection may carry another request once the body has been read. */
  keepAlive: boolean;
}

export interface ResponseSink {
  head(head: ResponseHead): void;
  data(chunk: Buffer): void;
  /** The whole response was read; `extra` bytes came after it (the connection cannot be reused then). */
  end(extra: number): void;
  fail(message: string): void;
}

/** Status line and header fields together (Node's own limit is 16 KB too). */
export const HEAD_LIMIT = 16 * 1024;
/** A chunk-size line with its extensions, or a trailer field. */
const LINE_LIMIT = 4 * 1024;

type State =
  | 'head'
  | 'fixed'
  | 'chunk-size'
  | 'chunk-data'
  | 'chunk-end'
  | 'trailers'
  | 'until-close'
  | 'done';

const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: [^\r\n]*)?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const DIGITS = /^\d{1,15}$/;
const HEX = /^[0-9A-Fa-f]{1,8}$/;

export class ResponseReader {
  private state: State = 'head';
  /** Bytes of a head or line not complete yet. */
  private pending: Buffer | undefined;
  private left = 0;
  private trailerBytes = 0;
  private keepAlive = false;
  private started = false;
  /** The response is complete and the sink not told yet (push() counts what follows it first). */
  private ended = false;

  constructor(private readonly sink: ResponseSink) {}

  /** Whether any byte of a response has arrived (a reused connection that closes before is stale). */
  get begun(): boolean {
    return this.started;
  }

  get done(): boolean {
    return this.state === 'done';
  }

  /** Stops reading: nothing more reaches the sink. */
  stop(): void {
    this.state = 'done';
    this.pending = undefined;
  }

  push(data: Buffer): void {
    if (this.state === 'done') return;
    if (data.length > 0) this.started = true;
    let buf = this.pending ? Buffer.concat([this.pending, data]) : data;
    this.pending = undefined;
    while (buf.length > 0 && !this.done) {
      const used = this.step(buf);
      if (used < 0) return; // waiting for more (kept in pending) or failed
      buf = buf.subarray(used);
    }
    if (this.ended) {
      this.ended = false;
      this.sink.end(buf.length);
    }
  }

  /** The connection ended: completes a body read to the end, fails anything else. */
  eof(): void {
    if (this.state === 'done') return;
    if (this.state === 'until-close') {
      this.state = 'done';
      this.sink.end(0);
    } else if (this.state === 'head' && !this.started) {
      this.failWith('connection closed before a response');
    } else {
      this.failWith('response cut short by the server');
    }
  }

  /** Consumes from `buf`; the bytes used, or -1 when it must wait (or failed). */
  private step(buf: Buffer): number {
    switch (this.state) {
      case 'head':
        return this.readHead(buf);
      case 'fixed': {
        const n = Math.min(this.left, buf.length);
        this.left -= n;
        this.sink.data(n === buf.length ? buf : buf.subarray(0, n));
        if (this.left === 0 && this.state === 'fixed') this.complete();
        return n;
      }
      case 'until-close':
        this.sink.data(buf);
        return buf.length;
      case 'chunk-size': {
        const line = this.line(buf);
        if (line === undefined) return -1;
        const semi = line.text.indexOf(';');
        const size = (semi < 0 ? line.text : line.text.slice(0, semi)).trim();
        if (!HEX.test(size)) return this.failWith(`bad chunk size "${size.slice(0, 20)}"`);
        this.left = Number.parseInt(size, 16);
        this.state = this.left === 0 ? 'trailers' : 'chunk-data';
        return line.used;
      }
      case 'chunk-data': {
        const n = Math.min(this.left, buf.length);
        this.left -= n;
        this.sink.data(n === buf.length ? buf : buf.subarray(0, n));
        if (this.left === 0 && this.state === 'chunk-data') this.state = 'chunk-end';
        return n;
      }
      case 'chunk-end': {
        const line = this.line(buf);
        if (line === undefined) return -1;
        if (line.text !== '') return this.failWith('chunk data longer than its size');
        this.state = 'chunk-size';
        return line.used;
      }
      case 'trailers': {
        const line = this.line(buf);
        if (line === undefined) return -1;
        this.trailerBytes += line.used;
        if (this.trailerBytes > HEAD_LIMIT) return this.failWith('trailer section too large');
        if (line.text === '') this.complete();
        return line.used;
      }
      default:
        return buf.length;
    }
  }

  /** A CRLF-terminated line at the start of `buf`, or undefined (the bytes wait in pending). */
  private line(buf: Buffer): { text: string; used: number } | undefined {
    const at = buf.indexOf('\r\n');
    if (at < 0) {
      if (buf.length > LINE_LIMIT) this.failWith('line too long');
      else this.pending = Buffer.from(buf);
      return undefined;
    }
    if (at > LINE_LIMIT) {
      this.failWith('line too long');
      return undefined;
    }
    return { text: buf.toString('latin1', 0, at), used: at + 2 };
  }

  private readHead(buf: Buffer): number {
    const at = buf.indexOf('\r\n\r\n');
    if (at < 0) {
      if (buf.length > HEAD_LIMIT) return this.failWith('response head too large');
      this.pending = Buffer.from(buf);
      return -1;
    }
    if (at + 4 > HEAD_LIMIT) return this.failWith('response head too large');
    const lines = buf.toString('latin1', 0, at).split('\r\n');
    const status = STATUS_LINE.exec(lines[0] as string);
    if (!status) return this.failWith(`bad status line "${(lines[0] as string).slice(0, 40)}"`);
    const minor = status[1];
    const code = Number(status[2]);
    let contentType = '';
    let contentLength: number | undefined;
    let chunked = false;
    let encoded = false;
    let close = false;
    let keepAliveToken = false;
    for (let i = 1; i < lines.length; i++) {
      const l = lines[i] as string;
      const colon = l.indexOf(':');
      const name = colon > 0 ? l.slice(0, colon) : '';
      if (!TOKEN.test(name)) return this.failWith(`bad header line "${l.slice(0, 40)}"`);
      const value = l.slice(colon + 1).trim();
      switch (name.toLowerCase()) {
        case 'content-type':
          if (contentType === '') contentType = value;
          break;
        case 'content-length': {
          // Repeated (or listed) values must all be the same number (RFC 9110 8.6).
          for (const v of value.split(',')) {
            const t = v.trim();
            if (!DIGITS.test(t)) return this.failWith(`bad Content-Length "${value.slice(0, 20)}"`);
            const n = Number(t);
            if (contentLength !== undefined && contentLength !== n)
              return this.failWith('conflicting Content-Length');
            contentLength = n;
          }
          break;
        }
        case 'transfer-encoding': {
          encoded = true;
          const codings = value.toLowerCase().split(',');
          chunked = (codings[codings.length - 1] as string).trim() === 'chunked';
          break;
        }
        case 'connection':
          for (const t of value.toLowerCase().split(',')) {
            const token = t.trim();
            if (token === 'close') close = true;
            else if (token === 'keep-alive') keepAliveToken = true;
          }
          break;
      }
    }
    const used = at + 4;
    if (code < 200) {
      if (code === 101) return this.failWith('unexpected protocol switch (101)');
      return used; // 100 Continue, 103 Early Hints ...: the real response follows
    }
    this.keepAlive = !close && (minor === '1' || keepAliveToken);
    if (code === 204 || code === 304) {
      this.sink.head({ status: code, contentType, contentLength: 0, keepAlive: this.keepAlive });
      if (this.state === 'head') this.complete();
      return used;
    }
    if (encoded) {
      // Transfer-Encoding overrides Content-Length; a server that sends both is not reused (RFC 9112 6.3).
      if (contentLength !== undefined) this.keepAlive = false;
      contentLength = undefined;
      if (!chunked) this.keepAlive = false;
    } else if (contentLength === undefined) {
      this.keepAlive = false;
    }
    this.sink.head({ status: code, contentType, contentLength, keepAlive: this.keepAlive });
    if (this.state !== 'head') return used; // the sink stopped reading
    if (encoded) this.state = chunked ? 'chunk-size' : 'until-close';
    else if (contentLength === undefined) this.state = 'until-close';
    else if (contentLength === 0) this.complete();
    else {
      this.left = contentLength;
      this.state = 'fixed';
    }
    return used;
  }

  /** The response is read; push() tells the sink once it knows whether bytes follow it. */
  private complete(): void {
    this.state = 'done';
    this.ended = true;
  }

  private failWith(message: string): -1 {
    if (this.state !== 'done') {
      this.state = 'done';
      this.pending = undefined;
      this.sink.fail(message);
    }
    return -1;
  }
}
