import { cloneParams, formatParams, type Params } from './params.ts';
import { Uri } from './uri.ts';
import { parseUri } from './uri-parser.ts';

const PENDING = new Uri({ scheme: 'sip' });

/**
 * A name-addr or addr-spec with header parameters (From, To, Contact, Route, Record-Route,
 * Refer-To ...). `displayName` is unquoted and unescaped. A Contact of `*` has `wildcard`.
 *
 * A parsed one keeps its URI as the (already validated) text until `uri` is first read:
 * most messages are routed by Via, CSeq and tags without anyone looking at these URIs.
 */
export class NameAddr {
  displayName?: string;
  params: Params;
  wildcard: boolean;
  private _uri: Uri | undefined;
  private _uriText: string | undefined;

  constructor(uri: Uri, opts: { displayName?: string; params?: Params; wildcard?: boolean } = {}) {
    this.displayName = opts.displayName;
    this.params = opts.params ?? new Map();
    this.wildcard = opts.wildcard ?? false;
    this._uri = uri;
    this._uriText = undefined;
  }

  /** @internal For the parser: `uriText` is a URI that parseUri() accepts. */
  static fromText(uriText: string, displayName: string | undefined, params: Params | undefined): NameAddr {
    const na = new NameAddr(PENDING, { displayName, params });
    na._uri = undefined;
    na._uriText = uriText;
    return na;
  }

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

  get tag(): string | undefined {
    return this.params.get('tag') ?? undefined;
  }

  set tag(value: string | undefined) {
    if (value === undefined) this.params.delete('tag');
    else this.params.set('tag', value);
  }

  param(name: string): string | null | undefined {
    return this.params.get(name.toLowerCase());
  }

  clone(): NameAddr {
    if (this._uriText !== undefined)
      return NameAddr.fromText(this._uriText, this.displayName, cloneParams(this.params));
    return new NameAddr(this.uri.clone(), {
      displayName: this.displayName,
      params: cloneParams(this.params),
      wildcard: this.wildcard,
    });
  }

  toString(): string {
    if (this.wildcard) return '*';
    const dn = this.displayName ? `${quote(this.displayName)} ` : '';
    const uri = this._uriText ?? (this._uri as Uri).toString();
    return `${dn}<${uri}>${formatParams(this.params)}`;
  }
}

/**
 * Quotes a display name (RFC 3261 25.1): `"`, `\` and the control octets qdtext does not
 * allow become quoted-pairs; CR and LF, which no quoted-pair may hold, become SP so that a
 * display name can never break the header line.
 */
export function quote(s: string): string {
  return `"${s.replace(/[\r\n]/g, ' ').replace(/["\\\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, '\\$&')}"`;
}
