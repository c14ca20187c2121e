/**
 * Which addresses webhook requests may connect to. Refused by default: link-local
 * (169.254.0.0/16 - cloud metadata lives there - and fe80::/10), unspecified (0.0.0.0/8,
 * ::), multicast (224.0.0.0/4, ff00::/8) and broadcast (255.255.255.255), plus configured
 * `deny` CIDRs; configured `allow` CIDRs override both. Loopback and private ranges are
 * allowed: self-hosted users run their webhook next to Patchbay.
 *
 * The host is resolved here, once, and the request connects through a `lookup` that hands
 * back exactly the checked addresses, so a second DNS answer cannot swap in another
 * address (no DNS rebinding). IP literals are checked before any socket exists.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { OutboundPolicyError } from './errors.ts';

export interface OutboundPolicyOptions {
  /** CIDRs (or single addresses) always allowed, even when a default or `deny` refuses them. */
  allow?: string[];
  /** CIDRs (or single addresses) refused in addition to the defaults. */
  deny?: string[];
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (default: the system resolver). */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: HostResolver = async (hostname) => {
  const all = await dnsLookup(hostname, { all: true, verbatim: true });
  return all.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

type Refusal = 'link-local' | 'unspecified' | 'multicast' | 'broadcast' | 'denied by policy';

const DEFAULT_REFUSED: ReadonlyArray<[Refusal, string]> = [
  ['link-local', '169.254.0.0/16'],
  ['link-local', 'fe80::/10'],
  ['unspecified', '0.0.0.0/8'],
  ['unspecified', '::/128'],
  ['multicast', '224.0.0.0/4'],
  ['multicast', 'ff00::/8'],
  ['broadcast', '255.255.255.255/32'],
];

const MAX_VERDICTS = 1024;

export class OutboundPolicy {
  private readonly allow = new BlockList();
  private readonly deny = new BlockList();
  private readonly defaults: Array<[Refusal, BlockList]> = [];
  /**
   * Verdicts per address: the lists never change after construction, and a BlockList check
   * builds a SocketAddress each time. Bounded: cleared when full.
   */
  private readonly verdicts = new Map<string, Refusal | null>();

  constructor(opts: OutboundPolicyOptions = {}) {
    for (const c of opts.allow ?? []) addCidr(this.allow, c);
    for (const c of opts.deny ?? []) addCidr(this.deny, c);
    for (const [reason, cidr] of DEFAULT_REFUSED) {
      const list = new BlockList();
      addCidr(list, cidr);
      this.defaults.push([reason, list]);
    }
  }

  /** Why `address` (an IP literal) may not be connected to, or undefined when it may. */
  refusal(address: string): Refusal | undefined {
    const known = this.verdicts.get(address);
    if (known !== undefined) return known ?? undefined;
    const verdict = this.check(address);
    if (this.verdicts.size >= MAX_VERDICTS) this.verdicts.clear();
    this.verdicts.set(address, verdict ?? null);
    return verdict;
  }

  private check(address: string): Refusal | undefined {
    const ip = unmapIpv4(address);
    const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (this.allow.check(ip, type)) return undefined;
    if (this.deny.check(ip, type)) return 'denied by policy';
    for (const [reason, list] of this.defaults) if (list.check(ip, type)) return reason;
    return undefined;
  }
}

export type TargetResolution =
  | { ok: true; addresses: ResolvedAddress[] }
  | { ok: false; code: 'DNS' | 'FORBIDDEN_ADDRESS'; message: string };

/**
 * The addresses a request to `hostname` may connect to: an IP literal is checked as it is
 * (no lookup, no socket); a name is resolved and its refused addresses are dropped. Fails
 * with FORBIDDEN_ADDRESS when nothing is left, DNS when the name does not resolve.
 */
export async function resolveTarget(
  hostname: string,
  policy: OutboundPolicy,
  resolver: HostResolver = systemResolver,
): Promise<TargetResolution> {
  const literal = resolveLiteral(hostname, policy);
  if (literal) return literal;
  const host = unbracket(hostname);
  let candidates: ResolvedAddress[];
  try {
    candidates = await resolver(host);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    return { ok: false, code: 'DNS', message: `cannot resolve ${host}: ${code}` };
  }
  if (candidates.length === 0) return { ok: false, code: 'DNS', message: `${host} has no address` };
  return checkCandidates(host, candidates, false, policy);
}

/** resolveTarget for an IP literal, at once (no promise); undefined for a host name. */
export function resolveLiteral(hostname: string, policy: OutboundPolicy): TargetResolution | undefined {
  const host = unbracket(hostname);
  const literal = isIP(host);
  if (literal === 0) return undefined;
  return checkCandidates(host, [{ address: host, family: literal === 6 ? 6 : 4 }], true, policy);
}

function unbracket(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

function checkCandidates(
  host: string,
  candidates: ResolvedAddress[],
  literal: boolean,
  policy: OutboundPolicy,
): TargetResolution {
  const allowed = candidates.filter((c) => policy.refusal(c.address) === undefined);
  if (allowed.length === 0) {
    const first = candidates[0];
    const why = policy.refusal(first.address);
    const shown = literal ? host : `${host} -> ${first.address}`;
    return { ok: false, code: 'FORBIDDEN_ADDRESS', message: `${shown} is refused (${why})` };
  }
  return { ok: true, addresses: allowed };
}

/** Strips IPv4-mapped IPv6 (`::ffff:a.b.c.d`) so the IPv4 rules apply to it too. */
function unmapIpv4(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1] : address;
}

function addCidr(list: BlockList, cidr: string): void {
  const [rawNet, prefixText, extra] = cidr.trim().split('/');
  const mapped = unmapIpv4(rawNet) !== rawNet;
  const net = unmapIpv4(rawNet);
  const family = isIP(net);
  const max = family === 6 ? 128 : 32;
  let prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : -1;
  // ::ffff:a.b.c.d/n is the IPv4 subnet a.b.c.d/(n - 96).
  if (mapped && prefixText !== undefined) prefix -= 96;
  if (family === 0 || extra !== undefined || prefix < 0 || prefix > max) {
    throw new OutboundPolicyError(`not an IPv4/IPv6 CIDR: ${JSON.stringify(cidr)}`);
  }
  list.addSubnet(net, prefix, family === 6 ? 'ipv6' : 'ipv4');
}

/** A socket `lookup` that answers only with the given, already checked addresses. */
export function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
    const list = addresses.filter((a) => wanted === 0 || a.family === wanted);
    if (list.length === 0) {
      const err: NodeJS.ErrnoException = new Error('no checked address of the wanted family');
      err.code = 'ENOTFOUND';
      callback(err, '', 0);
      return;
    }
    if (options.all)
      callback(
        null,
        list.map((a) => ({ address: a.address, family: a.family })),
      );
    else callback(null, list[0].address, list[0].family);
  };
}
