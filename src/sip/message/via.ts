import { cloneParams, formatParams, type Params } from './params.ts';

/** The RFC 3261 branch magic cookie (8.1.1.7). */
export const BRANCH_COOKIE = 'z9hG4bK';

/** One Via value (RFC 3261 20.42, RFC 3581 rport). `host` holds IPv6 without brackets. */
export class Via {
  protocol: string;
  transport: string;
  host: string;
  port?: number;
  params: Params;

  constructor(init: { transport: string; host: string; port?: number; params?: Params; protocol?: string }) {
    this.protocol = init.protocol ?? 'SIP/2.0';
    this.transport = upperTransport(init.transport);
    this.host = init.host;
    this.port = init.port;
    this.params = init.params ?? new Map();
  }

  get branch(): string | undefined {
    return this.params.get('branch') ?? undefined;
  }

  set branch(value: string | undefined) {
    if (value === undefined) this.params.delete('branch');
    else this.params.set('branch', value);
  }

  get received(): string | undefined {
    return this.params.get('received') ?? undefined;
  }

  get maddr(): string | undefined {
    return this.params.get('maddr') ?? undefined;
  }

  /** `true` when the rport parameter is present without a value (a request for it). */
  get rportRequested(): boolean {
    return this.params.has('rport') && this.params.get('rport') === null;
  }

  get rport(): number | undefined {
    const v = this.params.get('rport');
    return v ? Number(v) : undefined;
  }

  /** sent-by as `host:port` with the default port of the transport filled in. */
  get sentBy(): string {
    const h = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `${h}:${this.port ?? defaultPort(this.transport)}`;
  }

  clone(): Via {
    return new Via({
      protocol: this.protocol,
      transport: this.transport,
      host: this.host,
      port: this.port,
      params: cloneParams(this.params),
    });
  }

  toString(): string {
    const h = this.host.includes(':') ? `[${this.host}]` : this.host;
    const hp = this.port === undefined ? h : `${h}:${this.port}`;
    return `${this.protocol}/${this.transport} ${hp}${formatParams(this.params)}`;
  }
}

function upperTransport(t: string): string {
  return t === 'UDP' || t === 'TCP' || t === 'TLS' || t === 'WS' || t === 'WSS' ? t : t.toUpperCase();
}

export function defaultPort(transport: string): number {
  const t = transport.toUpperCase();
  return t === 'TLS' || t === 'WSS' ? 5061 : 5060;
}
