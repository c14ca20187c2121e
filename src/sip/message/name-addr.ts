import { cloneParams, formatParams, type Params } from './params.ts';
import type { Source } from './source.ts';
import { Uri } from './uri.ts';
import { parseUriAt } from './uri-parser.ts';

const PENDING = new Uri({ scheme: 'sip' });

/**
 * A name-addr or addr-spec with header parameters (From, To, Contact, Route, Record-Route,
 * Refer-To ...). `displayName` is unquoted and unescaped. A Contact of `*` has `wildcard`.
 *
 * A parsed one keeps where its (already validated) URI is in the parsed text until `uri` is
 * first read: most messages are routed by Via, CSeq and tags without anyone looking at
 * these URIs.
 */
export class NameAddr {
  displayName?: string;
  wildcard: boolean;
  /** Made on first use: a Contact or a To before its tag has none. */
  private _params: Params | undefined;
  private _uri: Uri | undefined;
  private _src: Source | undefined;
  private _us: number;
  private _ue: number;

  constructor(uri: Uri, opts: { displayName?: string; params?: Params; wildcard?: boolean } = {}) {
    this.displayName = opts.displayName;
    this._params = opts.params;
    this.wildcard = opts.wildcard ?? false;
    this._uri = uri;
    this._src = undefined;
    this._us = 0;
    this._ue = 0;
  }

  /** @internal For the parser: [us, ue) of `src` is a URI that parseUriAt() accepts. */
  static fromSource(
    src: Source,
    us: number,
    ue: number,
    displayName: string | undefined,
    params: Params | undefined,
  ): NameAddr {
    const na = new NameAddr(PENDING, { displayName, params });
    na._uri = undefined;
    na._src = src;
    na._us = us;
    na._ue = ue;
    return na;
  }

  get uri(): Uri {
    let uri = this._uri;
    if (uri === undefined) {
      uri = this._uri = parseUriAt(this._src as Source, this._us, this._ue, 'URI');
      this._src = undefined;
    }
    return uri;
  }

  set uri(value: Uri) {
    this._uri = value;
    this._src = undefined;
  }

  get params(): Params {
    let p = this._params;
    if (p === undefined) p = this._params = new Map();
    return p;
  }

  set params(value: Params) {
    this._params = value;
  }

  get tag(): string | undefined {
    return this._params?.get('tag') ?? undefined;
  }

  set tag(value: string | undefined) {
    if (value === undefined) this._params?.delete('tag');
    else this.params.set('tag', value);
  }

  /** A parameter by name (any case); no map is made for a name-addr without parameters. */
  param(name: string): string | null | undefined {
    return this._params?.get(name.toLowerCase());
  }

  clone(): NameAddr {
    const p = this._params;
    const params = p && p.size > 0 ? cloneParams(p) : undefined;
    if (this._src !== undefined)
      return NameAddr.fromSource(this._src, this._us, this._ue, this.displayName, params);
    return new NameAddr(this.uri.clone(), {
      displayName: this.displayName,
      params,
      wildcard: this.wildcard,
    });
  }

  toString(): string {
    if (this.wildcard) return '*';
    const dn = this.displayName ? `${quote(this.displayName)} ` : '';
    // A URI holds ASCII only, so the Latin-1 view of the source is its text.
    const uri =
      this._src !== undefined ? this._src.s.slice(this._us, this._ue) : (this._uri as Uri).toString();
    return `${dn}<${uri}>${this._params ? formatParams(this._params) : ''}`;
  }
}

/**
 * Quotes a display name (RFC 3261 25.1): `"`, `\` and the control octets qdtext does not
 * allow become quoted-pairs; CR and LF, which no quoted-pair may hold, become SP so that a
 * display name can never break the header line.
 */
export function quote(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  return `"${s.replace(/[\r\n]/g, ' ').replace(/["\\\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, '\\$&')}"`;
}

/** What quote() changes: CR, LF, `"`, `\` and the other control octets. */
const NEEDS_ESCAPE = /["\\\x00-\x1f\x7f]/;
