import { defaultPort, type Via } from '../message/via.ts';
import type { HostPort, Source } from './types.ts';

/**
 * Marks the top Via of a received request with where it really came from.
 * RFC 3261 18.2.1: `received` when the sent-by host is not the packet's source address
 * (a domain name never is). RFC 3581 4: an `rport` without value gets the source port,
 * and then `received` is added even when the host matches.
 */
export function stampReceived(via: Via, source: HostPort): void {
  const rport = via.rportRequested;
  if (rport) via.params.set('rport', String(source.port));
  if (rport || via.host.toLowerCase() !== source.address.toLowerCase()) {
    via.params.set('received', source.address);
  }
}

/**
 * Where a response goes when its connection is gone or the transport is unreliable,
 * from the top Via (RFC 3261 18.2.2, RFC 3581 4). For reliable transports the caller
 * first tries the connection the request came on.
 */
export function responseDestination(via: Via, source: Source, reliable: boolean): HostPort {
  const port = via.port ?? defaultPort(via.transport);
  if (reliable) return { address: via.received ?? via.host, port };
  const maddr = via.maddr;
  if (maddr) return { address: maddr, port };
  const rport = via.rport;
  if (rport) return { address: via.received ?? source.address, port: rport };
  return { address: via.received ?? via.host, port };
}
