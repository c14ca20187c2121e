/**
 * The store a node runs with: Redis when a URL is configured (`PATCHBAY_REDIS_URL`, DESIGN
 * "Configuration"), else the in-process memory store.
 */
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/log.ts';
import { MemoryStore } from './memory-store.ts';
import { RedisStore } from './redis-store.ts';
import type { Store } from './types.ts';

export interface CreateStoreOptions {
  redisUrl?: string;
  nodeId: string;
  log: Logger;
  clock?: Clock;
  /** The memory store's CDR window (PATCHBAY_MEMORY_CDRS); Redis keeps every CDR. */
  memoryCdrLimit?: number;
}

/** Rejects with StoreError UNAVAILABLE when a Redis URL is given and Redis does not answer. */
export async function createStore(opts: CreateStoreOptions): Promise<Store> {
  if (!opts.redisUrl) {
    opts.log.info('store: in memory');
    return new MemoryStore({
      ...(opts.memoryCdrLimit !== undefined ? { cdrLimit: opts.memoryCdrLimit } : {}),
      onCdrDropped: (limit) =>
        opts.log.warn(
          { limit },
          'store: the in-memory store keeps the newest CDRs only, older ones are dropped from now on ' +
            '(PATCHBAY_MEMORY_CDRS; with PATCHBAY_REDIS_URL every CDR is kept)',
        ),
    });
  }
  const store = await RedisStore.connect({
    url: opts.redisUrl,
    nodeId: opts.nodeId,
    log: opts.log,
    clock: opts.clock,
  });
  opts.log.info({ node: opts.nodeId }, 'store: Redis');
  return store;
}
