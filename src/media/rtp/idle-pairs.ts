import type { Socket } from 'node:dgram';

/** A released RTP/RTCP pair, still bound, waiting to be handed out again. */
export interface IdlePair {
  readonly port: number;
  readonly host: string;
  readonly rtp: Socket;
  readonly rtcp?: Socket;
  /** When it was released (the pool's clock, ms). */
  readonly since: number;
}

/**
 * Released pairs kept bound, oldest first, per kind (bind address and with or without an
 * RTCP socket). A pair is handed out again only once it has rested `restMs`: datagrams
 * still in flight from its previous peer arrive meanwhile on a socket nobody listens to
 * and are dropped, so they cannot reach (or latch, RFC 4961 symmetric RTP) the next call.
 */
export class IdlePairs {
  private readonly queues = new Map<string, FifoQueue<IdlePair>>();
  private count = 0;

  constructor(
    private readonly max: number,
    private readonly restMs: number,
  ) {}

  get size(): number {
    return this.count;
  }

  /** Keeps a released pair; false when full (the caller closes it). */
  put(pair: IdlePair): boolean {
    if (this.count >= this.max) return false;
    const key = kindOf(pair.host, pair.rtcp === undefined);
    let q = this.queues.get(key);
    if (!q) {
      q = new FifoQueue<IdlePair>();
      this.queues.set(key, q);
    }
    q.push(pair);
    this.count++;
    return true;
  }

  /** The oldest pair of this kind that has rested long enough, if any. */
  take(host: string, rtcpMux: boolean, now: number): IdlePair | undefined {
    const q = this.queues.get(kindOf(host, rtcpMux));
    const head = q?.peek();
    if (!q || !head || now - head.since < this.restMs) return undefined;
    this.count--;
    return q.shift();
  }

  /** The oldest pair of any kind, rested or not: what is left when the range is full. */
  takeOldest(): IdlePair | undefined {
    let oldest: FifoQueue<IdlePair> | undefined;
    for (const q of this.queues.values()) {
      const head = q.peek();
      if (head && (!oldest || head.since < (oldest.peek() as IdlePair).since)) oldest = q;
    }
    if (!oldest) return undefined;
    this.count--;
    return oldest.shift();
  }

  /** Removes and returns the pairs idle since before `before`. */
  expire(before: number): IdlePair[] {
    const out: IdlePair[] = [];
    for (const q of this.queues.values()) {
      for (let head = q.peek(); head && head.since < before; head = q.peek()) {
        out.push(q.shift() as IdlePair);
        this.count--;
      }
    }
    return out;
  }

  /** Removes and returns every pair. */
  drain(): IdlePair[] {
    const out: IdlePair[] = [];
    for (const q of this.queues.values()) {
      for (let p = q.shift(); p; p = q.shift()) out.push(p);
    }
    this.count = 0;
    return out;
  }
}

function kindOf(host: string, rtcpMux: boolean): string {
  return rtcpMux ? `${host} mux` : host;
}

/** A first-in first-out queue with O(1) shift (an array and a moving head). */
class FifoQueue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
