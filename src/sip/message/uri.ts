import { cloneParams, formatParams, type Params } from './params.ts';

export interface UriInit {
  scheme: string;
  user?: string;
  password?: string;
  host?: string;
  port?: number;
  params?: Params;
  headers?: Map<string, string>;
  opaque?: string;
}

/**
 * A sip:, sips: or tel: URI (RFC 3261 19.1, RFC 3966), or any other absolute URI kept
 * opaque. Escaped forms (%XX) are kept as received in `user`, `password`, params and
 * headers so that a message re-serializes byte-faithfully; `userDecoded` unescapes.
 * `host` holds an IPv6 address without brackets. For tel: the number is in `user`.
 */
export class Uri {
  scheme: string;
  user?: string;
  password?: string;
  host: string;
  port?: number;
  /** Everything after `scheme:` for schemes other than sip, sips and tel. */
  opaque?: string;
  // Made on first use: most URIs have no headers, many no parameters.
  private _params: Params | undefined;
  private _headers: Map<string, string> | undefined;

  constructor(init: UriInit) {
    this.scheme = init.scheme.toLowerCase();
    this.user = init.user;
    this.password = init.password;
    this.host = init.host ?? '';
    this.port = init.port;
    this.opaque = init.opaque;
    this._params = init.params;
    this._headers = init.headers;
  }

  get params(): Params {
    let p = this._params;
    if (p === undefined) p = this._params = new Map();
    return p;
  }

  set params(value: Params) {
    this._params = value;
  }

  get headers(): Map<string, string> {
    let h = this._headers;
    if (h === undefined) h = this._headers = new Map();
    return h;
  }

  set headers(value: Map<string, string>) {
    this._headers = value;
  }

  get isSip(): boolean {
    return this.scheme === 'sip' || this.scheme === 'sips';
  }

  get userDecoded(): string | undefined {
    return this.user === undefined ? undefined : decodeURIComponentSafe(this.user);
  }

  /** host[:port] with IPv6 references in brackets. */
  get hostport(): string {
    const h = this.host.includes(':') ? `[${this.host}]` : this.host;
    return this.port === undefined ? h : `${h}:${this.port}`;
  }

  /** A parameter by name (any case); no map is made for a URI without parameters. */
  param(name: string): string | null | undefined {
    return this._params?.get(name.toLowerCase());
  }

  clone(): Uri {
    const p = this._params;
    const h = this._headers;
    return new Uri({
      scheme: this.scheme,
      user: this.user,
      password: this.password,
      host: this.host,
      port: this.port,
      params: p && p.size > 0 ? cloneParams(p) : undefined,
      headers: h && h.size > 0 ? new Map(h) : undefined,
      opaque: this.opaque,
    });
  }

  toString(): string {
    const params = this._params ? formatParams(this._params) : '';
    if (this.opaque !== undefined) return `${this.scheme}:${this.opaque}`;
    if (this.scheme === 'tel') return `tel:${this.user ?? ''}${params}`;
    let out = `${this.scheme}:`;
    if (this.user !== undefined) {
      out += this.user;
      if (this.password !== undefined) out += `:${this.password}`;
      out += '@';
    }
    out += this.hostport + params;
    const headers = this._headers;
    if (headers && headers.size > 0) {
      let sep = '?';
      for (const [k, v] of headers) {
        out += `${sep}${k}=${v}`;
        sep = '&';
      }
    }
    return out;
  }
}

function decodeURIComponentSafe(s: string): string {
  if (!s.includes('%')) return s;
  // RFC 3261 escapes are octets; decode each %XX without failing on invalid UTF-8 sequences.
  return Buffer.from(
    s.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
    'latin1',
  ).toString('utf8');
}
