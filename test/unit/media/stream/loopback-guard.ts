/**
 * A safety net for tests of the outbound-address policy: while installed, a TCP connection
 * (net.connect, which ws uses) to anything but loopback throws before a packet leaves, and
 * is recorded. Should the policy under test ever regress, the test fails instead of
 * reaching 169.254.169.254 or asking a DNS server about a test name.
 */
import net, { isIP, type LookupFunction } from 'node:net';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/i;

export interface LoopbackGuard {
  /** Targets that were stopped. */
  readonly blocked: string[];
  uninstall(): void;
}

export function installLoopbackGuard(): LoopbackGuard {
  const original = net.connect;
  const blocked: string[] = [];
  const refuse = (what: string): never => {
    blocked.push(what);
    throw new Error(`loopback guard: no connection to ${what}`);
  };
  const guarded = (...args: unknown[]) => {
    const opts = args[0];
    if (opts !== null && typeof opts === 'object' && !('path' in opts && opts.path)) {
      const o = opts as net.TcpNetConnectOpts;
      const host = o.host ?? 'localhost';
      if (isIP(host) !== 0) {
        if (!LOOPBACK.test(host)) refuse(host);
      } else if (o.lookup) {
        const inner = o.lookup;
        const checked: LookupFunction = (hostname, options, callback) =>
          inner(hostname, options, (err, address, family) => {
            const list = Array.isArray(address) ? address.map((a) => a.address) : [address];
            const bad = list.find((a) => !LOOPBACK.test(a));
            if (!err && bad !== undefined) {
              blocked.push(`${hostname} -> ${bad}`);
              callback(new Error(`loopback guard: ${hostname} -> ${bad}`), '', 0);
              return;
            }
            callback(err, address as string, family);
          });
        args[0] = { ...o, lookup: checked };
      } else if (host !== 'localhost') {
        refuse(`${host} (a system DNS lookup)`);
      }
    }
    return (original as (...a: unknown[]) => net.Socket).apply(net, args);
  };
  net.connect = guarded as typeof net.connect;
  return {
    blocked,
    uninstall() {
      net.connect = original;
    },
  };
}
