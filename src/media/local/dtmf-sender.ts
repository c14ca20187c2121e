import { type DtmfSendPacket, DtmfSendQueue } from '../dtmf/rfc4733-sender.ts';

/**
 * The RFC 4733 send queue of an endpoint, with a promise per request that resolves when the
 * last packet of its digits (the end packets and the gap included) has gone out.
 */
export class DtmfSender {
  private readonly queue = new DtmfSendQueue();
  private waiters: Array<() => void> = [];

  enqueue(digits: string, durationMs?: number): Promise<void> {
    // Throws DtmfError BAD_DIGIT on a character that is no key, queuing nothing.
    this.queue.enqueue(digits, durationMs);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  get busy(): boolean {
    return this.queue.busy;
  }

  /** One media tick: the packet to send instead of audio, or null. */
  next(mediaTimestamp: number): DtmfSendPacket | null {
    if (!this.queue.busy) return null;
    const p = this.queue.next(mediaTimestamp);
    if (!this.queue.busy) this.settle();
    return p;
  }

  /** Drops queued digits (a digit on the wire still ends properly) and settles every request. */
  clear(): void {
    this.queue.clear();
    this.settle();
  }

  private settle(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }
}
