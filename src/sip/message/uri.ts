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
  params: Params;
  headers: Map<string, string>;
  /** Everything after `scheme:` for schemes other than sip, sips and tel. */
  opaque?: string;

  constructor(init: UriInit) {
    this.scheme = init.scheme.toLowerCase();
    this.user = init.user;
    this.password = init.password;
    this.host = init.host ?? '';
    this.port = init.port;
    this.params = init.params ?? new Map();
    this.headers = init.headers ?? new Map();
    this.opaque = init.opaque;
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

  param(name: string): string | null | undefined {
    return this.params.get(name.toLowerCase());
  }

  clone(): Uri {
    return new Uri({
      scheme: this.scheme,
      user: this.user,
      password: this.password,
      host: this.host,
      port: this.port,
      params: cloneParams(this.params),
      headers: new Map(this.headers),
      opaque: this.opaque,
    });
  }

  toString(): string {
    if (this.opaque !== undefined) return `${this.scheme}:${this.opaque}`;
    if (this.scheme === 'tel') return `tel:${this.user ?? ''}${formatParams(this.params)}`;
    let out = `${this.scheme}:`;
    if (this.user !== undefined) {
      out += this.user;
      if (this.password !== undefined) out += `:${this.password}`;
      out += '@';
    }
    out += this.hostport + formatParams(this.params);
    if (this.headers.size > 0) {
      let sep = '?';
      for (const [k, v] of this.headers) {
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
