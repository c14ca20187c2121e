import type { HostPort, Source, Transport } from '../../src/sip/transport/types.ts';

export interface LossyTransportOptions {
  /** Fraction of datagrams dropped in each direction, 0..1 (e.g. 0.1). */
  loss: number;
  /** Overrides of `loss` for one direction. */
  sendLoss?: number;
  receiveLoss?: number;
  /** PRNG seed: the same seed drops the same datagrams. */
  seed: number;
}

/** Counters per direction. */
export interface LossyTransportStats {
  sent: number;
  sendDropped: number;
  received: number;
  receiveDropped: number;
}

/**
 * A Transport decorator that loses datagrams like a bad network: each send and each
 * received message is dropped with the given probability, decided by a seeded PRNG per
 * direction so that a run is reproducible. A dropped send resolves as if it went out.
 */
export class LossyTransport implements Transport {
  readonly stats: LossyTransportStats = { sent: 0, sendDropped: 0, received: 0, receiveDropped: 0 };
  private readonly sendRandom: () => number;
  private readonly receiveRandom: () => number;
  private readonly sendLoss: number;
  private readonly receiveLoss: number;

  constructor(
    readonly inner: Transport,
    opts: LossyTransportOptions,
  ) {
    this.sendLoss = opts.sendLoss ?? opts.loss;
    this.receiveLoss = opts.receiveLoss ?? opts.loss;
    this.sendRandom = mulberry32(opts.seed);
    this.receiveRandom = mulberry32(opts.seed ^ 0x5bd1e995);
  }

  get protocol(): Transport['protocol'] {
    return this.inner.protocol;
  }

  get reliable(): boolean {
    return this.inner.reliable;
  }

  get local(): HostPort {
    return this.inner.local;
  }

  send(data: Buffer, to: HostPort, connectionId?: string): Promise<void> {
    if (this.sendRandom() < this.sendLoss) {
      this.stats.sendDropped++;
      return Promise.resolve();
    }
    this.stats.sent++;
    return this.inner.send(data, to, connectionId);
  }

  onMessage(handler: (data: Buffer, source: Source) => void): void {
    this.inner.onMessage((data, source) => {
      if (this.receiveRandom() < this.receiveLoss) {
        this.stats.receiveDropped++;
        return;
      }
      this.stats.received++;
      handler(data, source);
    });
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** mulberry32: a small 32-bit PRNG, uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
