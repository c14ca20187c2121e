/**
 * The Redis connection of a node: an ioredis client set to fail fast (no offline queue, an
 * in-flight command fails at once when the connection drops, every command has a timeout)
 * while it keeps reconnecting in the background. Reads go through `read()`, which turns any
 * failure into StoreError UNAVAILABLE; writes go through the outbox (`outbox.ts`).
 */
import { type ChainableCommander, Redis } from 'ioredis';
import type { Logger } from '../../util/log.ts';
import { StoreError } from '../types.ts';

export interface RedisLinkOptions {
  url: string;
  log: Logger;
  /** A command that gets no reply within this time fails (default 2000 ms). */
  commandTimeoutMs?: number;
  /** Longest wait between reconnection attempts (default 500 ms). */
  maxRetryDelayMs?: number;
}

/** MGET in slices of this many keys. */
const MGET_BATCH = 500;

export class RedisLink {
  readonly redis: Redis;
  private readonly log: Logger;

  constructor(opts: RedisLinkOptions) {
    this.log = opts.log;
    const cap = opts.maxRetryDelayMs ?? 500;
    this.redis = new Redis(opts.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      // 0: commands waiting for a reply fail as soon as the connection closes.
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: opts.commandTimeoutMs ?? 2000,
      connectTimeout: Math.max(1000, opts.commandTimeoutMs ?? 2000),
      // Keep trying for as long as the node runs; the outbox waits for 'ready'.
      retryStrategy: (times: number) => Math.min(50 * times, cap),
    });
  }

  get ready(): boolean {
    return this.redis.status === 'ready';
  }

  /** Runs a read; when Redis is away, or the read fails, StoreError UNAVAILABLE. */
  async read<T>(fn: (r: Redis) => Promise<T>): Promise<T> {
    if (!this.ready) throw new StoreError('UNAVAILABLE', 'Redis is not connected');
    try {
      return await fn(this.redis);
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw new StoreError('UNAVAILABLE', `Redis: ${(err as Error).message}`);
    }
  }

  /**
   * Runs commands as one MULTI/EXEC (one round trip). Rejects when the transaction did not
   * run (connection, timeout, EXECABORT); a single command's error is logged, not thrown, as
   * running it again would not help.
   */
  async exec(build: (m: ChainableCommander) => void): Promise<unknown[]> {
    const m = this.redis.multi();
    build(m);
    const replies = await m.exec();
    if (!replies) throw new Error('transaction aborted');
    return replies.map(([err, value]) => {
      if (err) this.log.error({ err }, 'store: a Redis command failed');
      return err ? undefined : value;
    });
  }

  /** GETs many JSON values (MGET in slices); undefined where a key is missing. */
  async getJson<T>(keys: readonly string[]): Promise<(T | undefined)[]> {
    const out: (T | undefined)[] = [];
    for (let i = 0; i < keys.length; i += MGET_BATCH) {
      const values = await this.redis.mget(...keys.slice(i, i + MGET_BATCH));
      for (const v of values) out.push(v === null ? undefined : (JSON.parse(v) as T));
    }
    return out;
  }
}
