import { readFileSync } from 'node:fs';

/** Receive-buffer drops (last column of /proc/net/udp) of every loopback UDP socket, by port. */
function readDrops(): Map<number, number> {
  const byPort = new Map<number, number>();
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 13 || !f[1].startsWith('0100007F:')) continue;
    byPort.set(Number.parseInt(f[1].slice(9), 16), Number(f[12]));
  }
  return byPort;
}

/**
 * Receive-buffer drops of named loopback UDP sockets during a probe, as growth since the
 * first sample (a long-lived socket carries the drops of earlier probes). A socket that is
 * not bound yet counts from 0; one that has closed keeps its last sampled value.
 */
export class SocketDrops {
  private readonly first = new Map<string, number>();
  private readonly last = new Map<string, number>();

  constructor(private readonly ports: Record<string, number>) {
    const now = readDrops();
    for (const [name, port] of Object.entries(ports)) this.first.set(name, now.get(port) ?? 0);
  }

  sample(): Record<string, number> {
    const now = readDrops();
    const out: Record<string, number> = {};
    for (const [name, first] of this.first) {
      const drops = now.get(this.ports[name]);
      if (drops !== undefined) this.last.set(name, drops);
      out[name] = Math.max(0, (this.last.get(name) ?? first) - first);
    }
    return out;
  }
}
