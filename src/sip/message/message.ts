import { canonicalName, NO_COMMA_SPLIT } from './header-names.ts';
import type { NameAddr } from './name-addr.ts';
import type { Uri } from './uri.ts';
import { parseUri } from './uri-parser.ts';
import type { Via } from './via.ts';

export interface CSeq {
  seq: number;
  method: string;
}

/** A header line as received or added; for the eagerly parsed headers it only marks the position. */
export interface HeaderField {
  name: string;
  value: string;
}

const EMPTY = Buffer.alloc(0);

/** Headers held in typed fields of the message; the rest stay raw text until asked for. */
const EAGER = new Set([
  'via',
  'from',
  'to',
  'call-id',
  'cseq',
  'max-forwards',
  'contact',
  'route',
  'record-route',
  'content-length',
  'content-type',
]);

/** Where a typed header goes when the message was built rather than parsed. */
const EAGER_ORDER = [
  'Via',
  'Max-Forwards',
  'Route',
  'Record-Route',
  'From',
  'To',
  'Call-ID',
  'CSeq',
  'Contact',
  'Content-Type',
] as const;

export function isEager(name: string): boolean {
  return EAGER.has(canonicalName(name).toLowerCase());
}

/**
 * Common part of requests and responses. The headers the stack needs (Via, From, To,
 * Call-ID, CSeq, Max-Forwards, Contact, Route, Record-Route, Content-Type) live in typed
 * fields; every other header stays as raw text in `headers`, in received order, and is
 * parsed only when a layer asks for it. Content-Length is computed from `body` on output.
 */
export abstract class SipMessage {
  version = 'SIP/2.0';
  via: Via[] = [];
  from!: NameAddr;
  to!: NameAddr;
  callId!: string;
  cseq!: CSeq;
  maxForwards?: number;
  contact: NameAddr[] = [];
  route: NameAddr[] = [];
  recordRoute: NameAddr[] = [];
  contentType?: string;
  /** Every header line in order; lines of typed headers are position markers. */
  headers: HeaderField[] = [];
  body: Buffer = EMPTY;

  abstract isRequest(): this is SipRequest;

  /** First value of a non-typed header, raw; typed headers are rendered from their field. */
  get(name: string): string | undefined {
    const canon = canonicalName(name);
    const lower = canon.toLowerCase();
    if (EAGER.has(lower)) return this.typedValues(lower)[0];
    for (const h of this.headers) if (h.name.toLowerCase() === lower) return h.value;
    return undefined;
  }

  /** Every line of a header, raw (not split on commas). */
  getAll(name: string): string[] {
    const lower = canonicalName(name).toLowerCase();
    if (EAGER.has(lower)) return this.typedValues(lower);
    const out: string[] = [];
    for (const h of this.headers) if (h.name.toLowerCase() === lower) out.push(h.value);
    return out;
  }

  /** Every value of a header, lines split on top-level commas except where RFC 3261 7.3.1 forbids it. */
  getList(name: string): string[] {
    const lower = canonicalName(name).toLowerCase();
    const lines = this.getAll(name);
    if (NO_COMMA_SPLIT.has(lower)) return lines;
    return lines.flatMap(splitCommas);
  }

  has(name: string): boolean {
    return this.getAll(name).length > 0;
  }

  /** Replaces every line of a non-typed header by one line (added at the end when new). */
  set(name: string, value: string): this {
    const canon = canonicalName(name);
    assertRaw(canon);
    const lower = canon.toLowerCase();
    const at = this.headers.findIndex((h) => h.name.toLowerCase() === lower);
    this.headers = this.headers.filter((h, i) => i === at || h.name.toLowerCase() !== lower);
    if (at >= 0) this.headers[at] = { name: canon, value };
    else this.headers.push({ name: canon, value });
    return this;
  }

  /** Adds a line of a non-typed header at the end. */
  add(name: string, value: string): this {
    const canon = canonicalName(name);
    assertRaw(canon);
    this.headers.push({ name: canon, value });
    return this;
  }

  /** Removes every line of a non-typed header. */
  remove(name: string): this {
    const lower = canonicalName(name).toLowerCase();
    assertRaw(lower);
    this.headers = this.headers.filter((h) => h.name.toLowerCase() !== lower);
    return this;
  }

  protected abstract startLine(): string;

  /** Serializes in header order, with a Content-Length computed from the body (RFC 3261 18.3). */
  toBuffer(): Buffer {
    let head = `${this.startLine()}\r\n`;
    const written = new Set<string>();
    const emitTyped = (lower: string, canon: string) => {
      if (written.has(lower)) return;
      written.add(lower);
      for (const v of this.typedValues(lower)) head += `${canon}: ${v}\r\n`;
    };
    // Typed headers the message never had a line for go first, in the usual order.
    const present = new Set<string>();
    for (const h of this.headers) present.add(h.name.toLowerCase());
    for (const canon of EAGER_ORDER) {
      const lower = canon.toLowerCase();
      if (!present.has(lower)) emitTyped(lower, canon);
    }
    // Content-Length goes where the message had it (a parsed message keeps its order), else last.
    let lengthWritten = false;
    for (const h of this.headers) {
      const lower = h.name.toLowerCase();
      if (lower === 'content-length') {
        if (!lengthWritten) head += `Content-Length: ${this.body.length}\r\n`;
        lengthWritten = true;
      } else if (EAGER.has(lower)) emitTyped(lower, canonicalName(h.name));
      else head += `${h.name}: ${oneLine(h.value)}\r\n`;
    }
    if (!lengthWritten) head += `Content-Length: ${this.body.length}\r\n`;
    head += '\r\n';
    const headBuf = Buffer.from(head, 'utf8');
    return this.body.length ? Buffer.concat([headBuf, this.body]) : headBuf;
  }

  toString(): string {
    return this.toBuffer().toString('utf8');
  }

  private typedValues(lower: string): string[] {
    switch (lower) {
      case 'via':
        return this.via.map(String);
      case 'from':
        return this.from ? [this.from.toString()] : [];
      case 'to':
        return this.to ? [this.to.toString()] : [];
      case 'call-id':
        return this.callId !== undefined ? [this.callId] : [];
      case 'cseq':
        return this.cseq ? [`${this.cseq.seq} ${this.cseq.method}`] : [];
      case 'max-forwards':
        return this.maxForwards !== undefined ? [String(this.maxForwards)] : [];
      case 'contact':
        return this.contact.map(String);
      case 'route':
        return this.route.map(String);
      case 'record-route':
        return this.recordRoute.map(String);
      case 'content-type':
        return this.contentType !== undefined ? [this.contentType] : [];
      case 'content-length':
        return [String(this.body.length)];
      default:
        return [];
    }
  }
}

export class SipRequest extends SipMessage {
  method: string;
  private _uri: Uri | undefined;
  private _uriText: string | undefined;

  constructor(method: string, uri: Uri) {
    super();
    this.method = method;
    this._uri = uri;
    this._uriText = undefined;
  }

  /** @internal For the parser: `uriText` is a Request-URI that parseUri() accepts. */
  static fromText(method: string, uriText: string): SipRequest {
    const req = new SipRequest(method, undefined as unknown as Uri);
    req._uriText = uriText;
    return req;
  }

  /** The Request-URI; a parsed request parses it on first use (it was validated already). */
  get uri(): Uri {
    let uri = this._uri;
    if (uri === undefined) {
      uri = this._uri = parseUri(this._uriText as string);
      this._uriText = undefined;
    }
    return uri;
  }

  set uri(value: Uri) {
    this._uri = value;
    this._uriText = undefined;
  }

  isRequest(): this is SipRequest {
    return true;
  }

  protected startLine(): string {
    return `${this.method} ${this._uriText ?? (this._uri as Uri).toString()} ${this.version}`;
  }
}

export class SipResponse extends SipMessage {
  status: number;
  reason: string;

  constructor(status: number, reason: string) {
    super();
    this.status = status;
    this.reason = reason;
  }

  isRequest(): this is SipRequest {
    return false;
  }

  protected startLine(): string {
    return `${this.version} ${this.status} ${oneLine(this.reason)}`;
  }
}

/**
 * A raw value as one header line: a CR or LF in it (a bare one from a peer, or one an
 * application put there) becomes SP, so that it can never start a new header line.
 */
function oneLine(value: string): string {
  return value.indexOf('\r') < 0 && value.indexOf('\n') < 0 ? value : value.replace(/[\r\n]+/g, ' ');
}

function assertRaw(name: string): void {
  if (EAGER.has(name.toLowerCase())) {
    throw new TypeError(`${name} is a typed header: set the message field instead`);
  }
}

/** Splits a header value on commas outside quoted strings and angle brackets. */
export function splitCommas(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let inQuote = false;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (inQuote) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inQuote = false;
    } else if (c === 0x22) inQuote = true;
    else if (c === 0x3c) inAngle = true;
    else if (c === 0x3e) inAngle = false;
    else if (c === 0x2c && !inAngle) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out.filter((v) => v.length > 0);
}
