import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { SipError } from '../errors.ts';
import type { Uri } from '../message/uri.ts';
import type { Protocol, Target } from '../transport/types.ts';

/** Turns a host name into an address; tests inject a fake one. */
export type HostLookup = (host: string) => Promise<string>;

const systemLookup: HostLookup = async (host) => (await lookup(host)).address;

const PROTOCOLS: ReadonlySet<string> = new Set(['udp', 'tcp', 'tls', 'ws', 'wss']);

/**
 * Where to send a request whose next hop is `uri` (RFC 3263 4, without NAPTR/SRV): the
 * maddr or the host, an IP literal as it is and a name through `dns.lookup`; the transport
 * parameter picks the protocol (TLS for sips:, else UDP); the port defaults to 5060, or
 * 5061 over TLS. Fails with a TRANSPORT error carrying 503 (RFC 3263 4.3: no usable target).
 */
export async function resolveTarget(uri: Uri, lookupHost: HostLookup = systemLookup): Promise<Target> {
  if (!uri.isSip) throw new SipError('TRANSPORT', `no route to a ${uri.scheme}: URI`, 503);
  const protocol = uriProtocol(uri);
  const port = uri.port ?? (protocol === 'tls' || protocol === 'wss' ? 5061 : 5060);
  const host = uri.param('maddr') || uri.host;
  if (host === '') throw new SipError('TRANSPORT', 'URI without host', 503);
  if (isIP(host) !== 0) return { protocol, address: host, port };
  try {
    return { protocol, address: await lookupHost(host), port };
  } catch (err) {
    throw new SipError('TRANSPORT', `cannot resolve ${host}: ${String(err)}`, 503);
  }
}

/** The protocol a URI asks for: its transport parameter, TLS for sips: (RFC 3261 19.1.1). */
export function uriProtocol(uri: Uri): Protocol {
  const t = uri.param('transport')?.toLowerCase();
  if (t && PROTOCOLS.has(t)) return t as Protocol;
  return uri.scheme === 'sips' ? 'tls' : 'udp';
}
