import { readFileSync } from 'node:fs';

/** The rows of /proc/net/udp (IPv4 sockets) as [local address hex, local port, drops]. */
function rows(): Array<[string, number, number]> {
  let text: string;
  try {
    text = readFileSync('/proc/net/udp', 'utf8');
  } catch {
    return [];
  }
  const out: Array<[string, number, number]> = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    // f[1] is local_address as HEX_IP:HEX_PORT; the last column counts drops.
    if (f.length < 13 || !f[1].includes(':') || f[0] === 'sl') continue;
    const [ip, port] = f[1].split(':');
    out.push([ip, Number.parseInt(port, 16), Number(f[12]) || 0]);
  }
  return out;
}

/**
 * Datagrams the kernel dropped because a socket's receive buffer was full: the last column
 * of /proc/net/udp, summed over the 127.0.0.1 sockets bound to `ports`. Read it while the
 * sockets are still open (the counter goes with them).
 */
export function socketDrops(ports: readonly number[]): number {
  const wanted = new Set(ports);
  let drops = 0;
  // 0100007F is 127.0.0.1.
  for (const [ip, port, d] of rows()) if (ip === '0100007F' && wanted.has(port)) drops += d;
  return drops;
}

/** IPv4 UDP ports within `low`-`high` that some socket (any process, any address) holds now. */
export function boundPorts(low: number, high: number): number {
  const ports = new Set<number>();
  for (const [, port] of rows()) if (port >= low && port <= high) ports.add(port);
  return ports.size;
}
