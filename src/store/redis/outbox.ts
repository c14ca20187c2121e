/**
 * Writes that must not be lost (CDRs, recordings, live-call and node puts and removes). A write runs
 * at once when Redis is ready and nothing is queued; otherwise, or when it fails, it joins
 * the queue, and the caller's promise resolves anyway: the node keeps working while Redis is
 * away. The queue is replayed in order (so a later write to a key never lands before an
 * earlier one) when the connection is ready again, in batches of one MULTI each. Every write
 * is idempotent (SET, ZADD, DEL, ZREM), so replaying one that did land is harmless.
 *
 *   idle --(write fails / Redis away)--> queued --(ready)--> flushing --(empty)--> idle
 *                                          ^                     |
 *                                          +----(batch fails)----+
 */
import type { ChainableCommander } from 'ioredis';
import { type Clock, systemClock, type TimerHandle } from '../../util/clock.ts';
import type { Logger } from '../../util/log.ts';
import type { CdrRecord, LiveCallRecord, NodeRecord, RecordingRecord } from '../types.ts';
import type { RedisLink } from './redis-link.ts';

export type PendingWrite = { id: string; apply: (m: ChainableCommander) => void } & (
  | { kind: 'cdr'; record: CdrRecord }
  | { kind: 'recording'; record: RecordingRecord }
  | { kind: 'recording-remove' }
  | { kind: 'call-put'; record: LiveCallRecord }
  | { kind: 'call-remove' }
  | { kind: 'node-put'; record: NodeRecord }
  | { kind: 'node-remove' }
);

export type PendingKind = PendingWrite['kind'];

type State = 'idle' | 'queued' | 'flushing';

const LEGAL: Record<State, readonly State[]> = {
  idle: ['queued'],
  queued: ['flushing'],
  flushing: ['idle', 'queued'],
};

const BATCH = 200;
const RETRY_MS = 500;

export interface OutboxOptions {
  log: Logger;
  clock?: Clock;
  /** Called after a flush that emptied the queue (the store re-publishes its live calls). */
  onDrained?: () => Promise<void>;
}

export class Outbox {
  private state: State = 'idle';
  private queue: PendingWrite[] = [];
  private flushing: Promise<void> | undefined;
  private retry: TimerHandle | undefined;
  private warnAt = 1000;
  private readonly log: Logger;
  private readonly clock: Clock;

  constructor(
    private readonly link: RedisLink,
    private readonly opts: OutboxOptions,
  ) {
    this.log = opts.log;
    this.clock = opts.clock ?? systemClock;
  }

  get size(): number {
    return this.queue.length;
  }

  /** What is still queued (for close() to report). */
  get pending(): readonly PendingWrite[] {
    return this.queue;
  }

  /** The newest queued write for this id among these kinds. */
  latest(id: string, kinds: readonly PendingKind[]): PendingWrite | undefined {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const w = this.queue[i]!;
      if (w.id === id && kinds.includes(w.kind)) return w;
    }
    return undefined;
  }

  /**
   * Writes now (resolving with the replies) or queues (resolving with undefined). Never
   * rejects: a write that cannot run now runs later.
   */
  async write(w: PendingWrite): Promise<unknown[] | undefined> {
    if (this.queue.length === 0 && this.link.ready) {
      try {
        return await this.link.exec(w.apply);
      } catch (err) {
        this.log.warn(
          { err: (err as Error).message, kind: w.kind, id: w.id },
          'store: write queued for later',
        );
      }
    }
    this.enqueue(w);
    return undefined;
  }

  /** Replays the queue while Redis is ready; then calls onDrained. One flush at a time. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = this.run().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Stops the retry timer (close()). */
  stop(): void {
    this.retry?.cancel();
    this.retry = undefined;
  }

  private enqueue(w: PendingWrite): void {
    this.queue.push(w);
    if (this.state === 'idle') this.transition('queued');
    if (this.queue.length >= this.warnAt) {
      this.log.warn({ pending: this.queue.length }, 'store: Redis outbox is large; writes wait for Redis');
      this.warnAt *= 10;
    }
    if (this.link.ready) this.flush();
  }

  private async run(): Promise<void> {
    if (this.queue.length > 0) this.transition('flushing');
    while (this.queue.length > 0 && this.link.ready) {
      const batch = this.queue.slice(0, BATCH);
      try {
        await this.link.exec((m) => {
          for (const w of batch) w.apply(m);
        });
      } catch (err) {
        this.log.warn(
          { err: (err as Error).message, pending: this.queue.length },
          'store: outbox replay failed',
        );
        this.transition('queued');
        this.scheduleRetry();
        return;
      }
      this.queue.splice(0, batch.length);
    }
    if (this.queue.length > 0) {
      // Redis went away mid-replay: the next 'ready' flushes again.
      if (this.state === 'flushing') this.transition('queued');
      return;
    }
    if (this.state === 'flushing') {
      this.transition('idle');
      this.warnAt = 1000;
      this.log.info('store: outbox replayed');
    }
    try {
      await this.opts.onDrained?.();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'store: after-replay step failed');
    }
  }

  private scheduleRetry(): void {
    if (this.retry) return;
    this.retry = this.clock.setTimer(RETRY_MS, () => {
      this.retry = undefined;
      if (this.link.ready) this.flush();
    });
  }

  private transition(next: State): void {
    if (!LEGAL[this.state].includes(next)) {
      throw Object.assign(new Error(`outbox: illegal transition ${this.state} -> ${next}`), {
        code: 'ILLEGAL_TRANSITION',
      });
    }
    this.state = next;
  }
}
