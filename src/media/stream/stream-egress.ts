import type { LookupFunction } from 'node:net';
import {
  type HostResolver,
  OutboundPolicy,
  pinnedLookup,
  resolveTarget,
  systemResolver,
} from '../../webhooks/outbound-policy.ts';

/**
 * Where a stream's WebSocket may connect: the outbound-address policy the webhook client
 * applies (src/webhooks/outbound-policy.ts: link-local and cloud-metadata addresses,
 * unspecified, multicast, broadcast and configured `deny` CIDRs refused unless `allow`ed).
 */
export interface StreamEgress {
  policy: OutboundPolicy;
  /** Resolves the URL's host; the system resolver by default. */
  resolver?: HostResolver;
}

export type EgressVerdict =
  /** Connect through `lookup`: it answers with the checked addresses only. */
  | { ok: true; lookup: LookupFunction; addresses: string[] }
  /**
   * FORBIDDEN_ADDRESS: every address of the host is refused (final, never retried);
   * DNS: the host does not resolve (a connection failure like any other).
   */
  | { ok: false; code: 'DNS' | 'FORBIDDEN_ADDRESS'; message: string };

const DEFAULT_EGRESS: StreamEgress = { policy: new OutboundPolicy() };

/** The policy of a stream given none: the defaults (calls pass their webhook client's, see CallFlow). */
export function defaultStreamEgress(): StreamEgress {
  return DEFAULT_EGRESS;
}

/**
 * Checks `url`'s host before any socket exists: an IP literal as it is, a name by resolving
 * it once and keeping only the addresses the policy allows. The connection then goes through
 * the returned `lookup`, which hands back exactly those addresses, so a second DNS answer
 * cannot swap in another one (no DNS rebinding). Never rejects.
 */
export async function checkStreamTarget(url: string, egress: StreamEgress): Promise<EgressVerdict> {
  let target: Awaited<ReturnType<typeof resolveTarget>>;
  try {
    target = await resolveTarget(new URL(url).hostname, egress.policy, egress.resolver ?? systemResolver);
  } catch (err) {
    // Never rejects: a resolver that throws is a name that does not resolve.
    return { ok: false, code: 'DNS', message: (err as Error).message };
  }
  if (!target.ok) return target;
  return {
    ok: true,
    lookup: pinnedLookup(target.addresses),
    addresses: target.addresses.map((a) => a.address),
  };
}
