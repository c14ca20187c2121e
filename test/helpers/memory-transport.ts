import { SipError } from '../../src/sip/errors.ts';
import type { HostPort, Protocol, Source, Transport } from '../../src/sip/transport/types.ts';

/** Decides whether a message is lost on the way (true: dropped). */
export type DropFilter = (text: string, from: HostPort, to: HostPort) => boolean;

/** One message as it crossed the network. */
export interface WireRecord {
  from: HostPort;
  to: HostPort;
  text: string;
  dropped: boolean;
}

/**
 * An in-memory network of transports: `send` hands a copy of the bytes to the transport
 * bound at the destination on a later macrotask (as a socket would), or loses it when the
 * `drop` filter says so. Every message is recorded in `wire` for assertions.
 */
export class MemoryNetwork {
  readonly wire: WireRecord[] = [];
  drop?: DropFilter;
  private readonly bound = new Map<string, MemoryTransport>();
  private inFlight = 0;
  private nextPort = 15060;

  /** A transport on `address:port` (a fresh port when none is given). */
  transport(opts: { address?: string; port?: number; protocol?: Protocol } = {}): MemoryTransport {
    const local = { address: opts.address ?? '127.0.0.1', port: opts.port ?? this.nextPort++ };
    const key = keyOf(local);
    if (this.bound.has(key)) throw new Error(`${key} is taken`);
    const t = new MemoryTransport(this, opts.protocol ?? 'udp', local);
    this.bound.set(key, t);
    return t;
  }

  /** Messages sent so far whose first line starts with `prefix` (e.g. 'ACK ', 'SIP/2.0 200'). */
  messages(prefix: string): WireRecord[] {
    return this.wire.filter((w) => w.text.startsWith(prefix));
  }

  /** Resolves once nothing has been in flight for a few macrotasks. */
  async settle(): Promise<void> {
    let quiet = 0;
    while (quiet < 3) {
      await new Promise<void>((r) => setImmediate(r));
      quiet = this.inFlight === 0 ? quiet + 1 : 0;
    }
  }

  /** @internal */
  deliver(from: MemoryTransport, data: Buffer, to: HostPort): void {
    const text = data.toString('latin1');
    const dropped = this.drop?.(text, from.local, to) ?? false;
    this.wire.push({ from: from.local, to, text, dropped });
    if (dropped) return;
    const copy = Buffer.from(data);
    this.inFlight++;
    setImmediate(() => {
      this.inFlight--;
      const dest = this.bound.get(keyOf(to));
      if (!dest || dest.closed) return;
      const source: Source = {
        protocol: from.protocol,
        address: from.local.address,
        port: from.local.port,
        local: dest.local,
      };
      if (from.reliable) source.connectionId = `${keyOf(from.local)}>${keyOf(dest.local)}`;
      dest.receive(copy, source);
    });
  }

  /** @internal */
  unbind(t: MemoryTransport): void {
    this.bound.delete(keyOf(t.local));
  }
}

/** A Transport of a MemoryNetwork: UDP-like (unreliable) unless made with protocol 'tcp'. */
export class MemoryTransport implements Transport {
  readonly reliable: boolean;
  closed = false;
  private handler: (data: Buffer, source: Source) => void = () => {};

  constructor(
    private readonly network: MemoryNetwork,
    readonly protocol: Protocol,
    readonly local: HostPort,
  ) {
    this.reliable = protocol !== 'udp';
  }

  send(data: Buffer, to: HostPort): Promise<void> {
    if (this.closed) return Promise.reject(new SipError('TRANSPORT', 'transport closed'));
    this.network.deliver(this, data, to);
    return Promise.resolve();
  }

  onMessage(handler: (data: Buffer, source: Source) => void): void {
    this.handler = handler;
  }

  /** @internal */
  receive(data: Buffer, source: Source): void {
    this.handler(data, source);
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.network.unbind(this);
    }
    return Promise.resolve();
  }
}

function keyOf(hp: HostPort): string {
  return `${hp.address}:${hp.port}`;
}
