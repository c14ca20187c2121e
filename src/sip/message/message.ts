import { canonicalName, NO_COMMA_SPLIT } from './header-names.ts';
import { Kind } from './header-table.ts';
import { oneLine, splitCommas } from './header-values.ts';
import type { LazyHeaders } from './lazy-headers.ts';
import type { NameAddr } from './name-addr.ts';
import { assertRaw, EAGER, isEager, serialize, typedValues } from './serializer.ts';
import type { Source } from './source.ts';
import type { Uri } from './uri.ts';
import { parseUriAt } from './uri-parser.ts';
import type { Via } from './via.ts';

export { isEager, splitCommas };

export interface CSeq {
  seq: number;
  method: string;
}

/** A header line as received or added; for the typed headers it only marks the position. */
export interface HeaderField {
  name: string;
  value: string;
}

const EMPTY = Buffer.alloc(0);

const VIA = 1 << Kind.Via;
const FROM = 1 << Kind.From;
const TO = 1 << Kind.To;
const CONTACT = 1 << Kind.Contact;
const ROUTE = 1 << Kind.Route;
const RECORD_ROUTE = 1 << Kind.RecordRoute;

/**
 * Common part of requests and responses. The headers the stack needs (Via, From, To,
 * Call-ID, CSeq, Max-Forwards, Contact, Route, Record-Route, Content-Type) live in typed
 * fields; every other header stays as raw text in `headers`, in received order, and is
 * parsed only when a layer asks for it. Content-Length is computed from `body` on output.
 *
 * A parsed message has checked every typed header, but builds the Via, From, To, Contact,
 * Route and Record-Route objects, and the view of its body, the first time each is read
 * (lazy-headers.ts); the values of the other headers too (raw-field.ts).
 */
export abstract class SipMessage {
  version = 'SIP/2.0';
  callId!: string;
  cseq!: CSeq;
  maxForwards?: number;
  contentType?: string;
  /** Every header line in order; lines of typed headers are position markers. */
  headers: HeaderField[] = [];
  /** undefined: the parsed body, a view made when first read. */
  private _body: Buffer | undefined = EMPTY;
  private _via: Via[] | undefined = undefined;
  private _from: NameAddr | undefined = undefined;
  private _to: NameAddr | undefined = undefined;
  private _contact: NameAddr[] | undefined = undefined;
  private _route: NameAddr[] | undefined = undefined;
  private _recordRoute: NameAddr[] | undefined = undefined;
  /** Typed fields to build from `_lazy` when first read, a bit per header kind. */
  private _pending = 0;
  private _lazy: LazyHeaders | undefined = undefined;

  abstract isRequest(): this is SipRequest;

  /** @internal For the parser: the typed headers of `pending` are to be built from `lazy`. */
  _attach(lazy: LazyHeaders, pending: number): void {
    this._lazy = lazy;
    this._pending = pending;
  }

  /** @internal For the parser: the body is at [start, end) of the parsed octets. */
  _attachBody(start: number, end: number): void {
    const lazy = this.lazy;
    lazy.bodyStart = start;
    lazy.bodyEnd = end;
    this._body = undefined;
  }

  get body(): Buffer {
    this._body ??= this.lazy.body();
    return this._body;
  }

  set body(value: Buffer) {
    this._body = value;
  }

  /** Whether the field of bit `b` is to build from the parsed text (once). */
  private due(b: number): boolean {
    if ((this._pending & b) === 0) return false;
    this._pending &= ~b;
    return true;
  }

  private get lazy(): LazyHeaders {
    return this._lazy as LazyHeaders;
  }

  /** Via values, the topmost first. */
  get via(): Via[] {
    this._via ??= this.due(VIA) ? this.lazy.vias() : [];
    return this._via;
  }

  set via(value: Via[]) {
    this._via = value;
  }

  get from(): NameAddr {
    if (this.due(FROM)) this._from = this.lazy.nameAddr(Kind.From, 'From');
    return this._from as NameAddr;
  }

  set from(value: NameAddr) {
    this._pending &= ~FROM;
    this._from = value;
  }

  get to(): NameAddr {
    if (this.due(TO)) this._to = this.lazy.nameAddr(Kind.To, 'To');
    return this._to as NameAddr;
  }

  set to(value: NameAddr) {
    this._pending &= ~TO;
    this._to = value;
  }

  get contact(): NameAddr[] {
    this._contact ??= this.due(CONTACT) ? this.lazy.nameAddrs(Kind.Contact, 'Contact') : [];
    return this._contact;
  }

  set contact(value: NameAddr[]) {
    this._contact = value;
  }

  get route(): NameAddr[] {
    this._route ??= this.due(ROUTE) ? this.lazy.nameAddrs(Kind.Route, 'Route') : [];
    return this._route;
  }

  set route(value: NameAddr[]) {
    this._route = value;
  }

  get recordRoute(): NameAddr[] {
    this._recordRoute ??= this.due(RECORD_ROUTE) ? this.lazy.nameAddrs(Kind.RecordRoute, 'Record-Route') : [];
    return this._recordRoute;
  }

  set recordRoute(value: NameAddr[]) {
    this._recordRoute = value;
  }

  /** First value of a non-typed header, raw; typed headers are rendered from their field. */
  get(name: string): string | undefined {
    const canon = canonicalName(name);
    const lower = canon.toLowerCase();
    if (EAGER.has(lower)) return typedValues(this, lower)[0];
    for (const h of this.headers) if (h.name.toLowerCase() === lower) return h.value;
    return undefined;
  }

  /** Every line of a header, raw (not split on commas). */
  getAll(name: string): string[] {
    const lower = canonicalName(name).toLowerCase();
    if (EAGER.has(lower)) return typedValues(this, lower);
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
    return serialize(this, this.startLine());
  }

  toString(): string {
    return this.toBuffer().toString('utf8');
  }
}

export class SipRequest extends SipMessage {
  method: string;
  private _uri: Uri | undefined;
  private _src: Source | undefined;
  private _us: number;
  private _ue: number;

  constructor(method: string, uri: Uri) {
    super();
    this.method = method;
    this._uri = uri;
    this._src = undefined;
    this._us = 0;
    this._ue = 0;
  }

  /** @internal For the parser: [us, ue) of `src` is a Request-URI that parseUriAt() accepts. */
  static fromSource(method: string, src: Source, us: number, ue: number): SipRequest {
    const req = new SipRequest(method, undefined as unknown as Uri);
    req._src = src;
    req._us = us;
    req._ue = ue;
    return req;
  }

  /** The Request-URI; a parsed request parses it on first use (it was validated already). */
  get uri(): Uri {
    let uri = this._uri;
    if (uri === undefined) {
      uri = this._uri = parseUriAt(this._src as Source, this._us, this._ue, 'Request-URI');
      this._src = undefined;
    }
    return uri;
  }

  set uri(value: Uri) {
    this._uri = value;
    this._src = undefined;
  }

  isRequest(): this is SipRequest {
    return true;
  }

  protected startLine(): string {
    // A URI holds ASCII only, so the Latin-1 view of the source is its text.
    const uri =
      this._src !== undefined ? this._src.s.slice(this._us, this._ue) : (this._uri as Uri).toString();
    return `${this.method} ${uri} ${this.version}`;
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
