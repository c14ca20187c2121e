import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * A `lookup` for dgram sockets that answers IP literals at once. Node's default resolves
 * every datagram's destination through dns.lookup, which for a literal still defers the
 * send to a nextTick: at tens of thousands of RTP and SIP datagrams a second that is
 * measurable work for nothing. Names (an SDP `c=` with a host name) still go to dns.lookup.
 */
export function literalLookup(
  hostname: string,
  options: number | LookupOneOptions,
  callback: LookupCallback,
): void {
  const family = isIP(hostname);
  if (family !== 0) {
    callback(null, hostname, family);
    return;
  }
  const opts: LookupOneOptions = typeof options === 'number' ? { family: options } : options;
  dnsLookup(hostname, opts, callback);
}
