import type { MediaEngine } from '../media/media-engine.ts';
import type { ExtraHeaders } from '../sip/dialog/message-content.ts';
import type { Uri } from '../sip/message/uri.ts';
import type { Target } from '../sip/transport/types.ts';
import type { UserAgent } from '../sip/ua/user-agent.ts';
import type { Logger } from '../util/log.ts';
import { OutboundLeg } from './outbound-leg.ts';
import type { TransferHub } from './transfer/transfer-hub.ts';

export class DialError extends Error {
  override name = 'DialError';
  constructor(
    readonly code: 'NO_TRUNK' | 'BAD_TARGET',
    message: string,
  ) {
    super(message);
  }
}

/** Where to send calls to phone numbers: `HOST:PORT`, `sip:HOST[:PORT][;transport=tcp]`, `udp:HOST:PORT`. */
export function parseOutboundProxy(s: string): Target {
  const t = s.trim();
  let m = t.match(/^(udp|tcp):(\[[^\]]+\]|[^:]+):(\d+)$/i);
  if (m)
    return {
      protocol: m[1].toLowerCase() as 'udp' | 'tcp',
      address: m[2].replace(/^\[|\]$/g, ''),
      port: Number(m[3]),
    };
  m = t.match(/^(?:sip:)?(\[[^\]]+\]|[^:;]+)(?::(\d+))?(?:;transport=(udp|tcp))?$/i);
  if (m) {
    return {
      protocol: (m[3]?.toLowerCase() as 'udp' | 'tcp' | undefined) ?? 'udp',
      address: m[1].replace(/^\[|\]$/g, ''),
      port: m[2] ? Number(m[2]) : 5060,
    };
  }
  throw new DialError('BAD_TARGET', `not an outbound proxy: ${s} (expected HOST:PORT or sip:HOST:PORT)`);
}

export interface DialTarget {
  kind: 'Number' | 'User';
  /** A phone number (Number) or a SIP URI (User). */
  address: string;
  headers?: ExtraHeaders;
  auth?: { username: string; password: string };
}

/** Places B-legs: phone numbers through the outbound proxy, SIP URIs directly. */
export class Dialer {
  /** Transfers by REFER/Replaces, when wired (main.ts): a connected Dial registers its bridge there. */
  transfers?: TransferHub;

  constructor(
    private readonly ua: UserAgent,
    private readonly engine: MediaEngine,
    private readonly publicHost: string,
    private readonly outboundProxy: Target | undefined,
    private readonly log: Logger,
  ) {}

  /** Whether phone numbers can be dialed (a trunk is configured). */
  get hasTrunk(): boolean {
    return this.outboundProxy !== undefined;
  }

  async dial(target: DialTarget, caller: { id: string; name?: string }): Promise<OutboundLeg> {
    let uri: string;
    let via: Target | undefined;
    if (target.kind === 'Number') {
      if (!this.outboundProxy) {
        throw new DialError(
          'NO_TRUNK',
          `cannot dial ${target.address}: no PATCHBAY_OUTBOUND_PROXY (trunk) is configured`,
        );
      }
      const number = target.address.replace(/[^0-9+*#]/g, '');
      uri = `sip:${number}@${this.outboundProxy.address}`;
      via = this.outboundProxy;
    } else {
      uri = target.address.trim();
      if (!/^sips?:/i.test(uri)) uri = `sip:${uri}`;
    }
    const display = caller.name?.replace(/["\\\r\n]/g, '').slice(0, 50);
    const user = encodeURIComponent(caller.id.replace(/^sips?:/i, '').split('@')[0] || 'patchbay');
    const from = `${display ? `"${display}" ` : ''}<sip:${user}@${this.publicHost}>`;
    return OutboundLeg.start(
      this.ua,
      this.engine,
      {
        uri,
        from,
        ...(via ? { target: via } : {}),
        ...(target.headers ? { headers: target.headers } : {}),
        ...(target.auth ? { auth: target.auth } : {}),
      },
      this.log,
    );
  }
}

/** Redirect limits (RFC 3261 8.1.3.4 leaves them to the client): hops per chain, destinations per Dial. */
export const MAX_REDIRECT_HOPS = 5;
export const MAX_DIAL_DESTINATIONS = 10;

/**
 * What a Dial may still try after 3xx responses (RFC 3261 8.1.3.4): the Contacts of a
 * redirect, best q first, that are sip/sips/tel, were not tried before (a loop), and fit in
 * the budget of MAX_REDIRECT_HOPS hops and MAX_DIAL_DESTINATIONS destinations in all.
 */
export class RedirectBudget {
  private readonly tried = new Set<string>();

  constructor(initial: readonly string[]) {
    for (const t of initial) this.tried.add(loopKey(t));
  }

  /** The targets to call for a 3xx at redirect depth `hop` (1 for a 3xx to an original target). */
  next(contacts: readonly Uri[], hop: number): Uri[] {
    if (hop > MAX_REDIRECT_HOPS) return [];
    const out: Uri[] = [];
    for (const uri of contacts) {
      if (this.tried.size >= MAX_DIAL_DESTINATIONS) break;
      if (uri.scheme !== 'sip' && uri.scheme !== 'sips' && uri.scheme !== 'tel') continue;
      const key = loopKey(uri.toString());
      if (this.tried.has(key)) continue;
      this.tried.add(key);
      out.push(uri);
    }
    return out;
  }
}

/** scheme:user@host:port, lower case: the same destination whatever its parameters. */
function loopKey(uri: string): string {
  const m = /^(sips?|tel):([^;?]*)/i.exec(uri.trim());
  return (m ? `${m[1]}:${m[2]}` : uri.trim()).toLowerCase();
}
