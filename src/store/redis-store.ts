/**
 * The Redis backend (`PATCHBAY_REDIS_URL`): state shared by every node on one Redis server
 * (a single instance or a primary; the scripts build some keys themselves, so not Cluster).
 *
 * Key layout (prefix `pb:` by default):
 *
 *   pb:call:{call_uuid}        string  LiveCallRecord JSON, PX ttl (default 60 s), refreshed
 *                                      by the owning node every ttl/3: a dead node's calls expire
 *   pb:calls                   zset    call_uuid by initiated_at (epoch ms): every live call
 *   pb:calls:{status}          zset    the same, per call_status (queued, ringing, in-progress)
 *   pb:cdr:{uuid}              string  CdrRecord JSON (kept; no TTL)
 *   pb:cdrs                    zset    uuid by end_time (epoch ms)
 *   pb:rec:{recording_id}      string  RecordingRecord JSON
 *   pb:recs                    zset    recording_id by add_time (epoch ms)
 *   pb:recs:call:{call_uuid}   zset    the same, one call's recordings
 *   pb:recs:type:{type}        zset    the same, per recording_type
 *   pb:app:{app_id}            string  ApplicationRecord JSON
 *   pb:app:{app_id}:numbers    set     the numbers / SIP users attached to it
 *   pb:apps                    zset    app_id by created_at (epoch ms)
 *   pb:apps:default            zset    the apps with default_app (route() takes the oldest)
 *   pb:numbers                 hash    number / SIP user -> app_id
 *   pb:node:{node_id}          string  NodeRecord JSON, PX ttl (default 60 s), refreshed by that
 *                                      node with its calls: a dead node leaves the registry
 *   pb:nodes                   zset    node_id by started_at (epoch ms): the registered nodes
 *
 * Sorted-set ties (same millisecond) are ordered by member, as the memory backend orders
 * them (`order.ts`). Index members of expired calls are dropped when a list meets them.
 *
 * What scales how: a call put or remove is one MULTI (one round trip); listing live calls
 * reads all of them (or one status) and filters in the process; a CDR query reads every
 * CDR in the end_time window its filter allows (the summary needs the whole filtered set),
 * in slices of 500; recording and application pages read one page (a call's recordings:
 * all of that call's).
 *
 * Resilience: writes of calls, CDRs and recordings go through an outbox (`redis/outbox.ts`)
 * that keeps what Redis could not take and replays it in order on 'ready'; after the replay
 * the node re-publishes its own live calls (kept in memory). While Redis is away, reads of
 * this node's own calls, its own node record and of queued records work; other reads throw
 * StoreError UNAVAILABLE. The node record is re-published with the calls.
 */
import { type Clock, systemClock, type TimerHandle } from '../util/clock.ts';
import type { Logger } from '../util/log.ts';
import { RedisKeys } from './redis/keys.ts';
import { Outbox } from './redis/outbox.ts';
import { RedisApplications } from './redis/redis-applications.ts';
import { RedisCalls } from './redis/redis-calls.ts';
import { RedisCdrs } from './redis/redis-cdrs.ts';
import { RedisLink } from './redis/redis-link.ts';
import { RedisNodes } from './redis/redis-nodes.ts';
import { RedisRecordings } from './redis/redis-recordings.ts';
import {
  type ApplicationStore,
  type CallStore,
  type CdrStore,
  type NodeRegistry,
  type RecordingStore,
  type Store,
  StoreError,
} from './types.ts';

export interface RedisStoreOptions {
  url: string;
  nodeId: string;
  log: Logger;
  clock?: Clock;
  /** Key prefix (default `pb:`). */
  prefix?: string;
  /** TTL of a live-call key (default 60 000 ms); the owner refreshes it every third of it. */
  callTtlMs?: number;
  /** TTL of this node's registry key (default 60 000 ms); refreshed with the calls. */
  nodeTtlMs?: number;
  /** A Redis command that gets no reply within this time fails (default 2000 ms). */
  commandTimeoutMs?: number;
  /** How long connect() waits for the first connection (default 5000 ms). */
  connectTimeoutMs?: number;
  /** How long close() tries to write what is queued (default 3000 ms). */
  closeTimeoutMs?: number;
}

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  readonly calls: CallStore;
  readonly cdrs: CdrStore;
  readonly recordings: RecordingStore;
  readonly applications: ApplicationStore;
  readonly nodes: NodeRegistry;
  private readonly liveCalls: RedisCalls;
  private readonly registry: RedisNodes;
  private readonly link: RedisLink;
  private readonly outbox: Outbox;
  private readonly log: Logger;
  private readonly clock: Clock;
  /** Period of the TTL refresh: a third of the shorter TTL. */
  private readonly refreshMs: number;
  private refreshTimer: TimerHandle | undefined;
  /** Set when the connection is (re)established; cleared once the own calls are written. */
  private needRepublish = true;
  private closed = false;

  /** Connects (waiting for the first 'ready'); StoreError UNAVAILABLE when Redis is not there. */
  static async connect(opts: RedisStoreOptions): Promise<RedisStore> {
    const store = new RedisStore(opts);
    try {
      await store.start(opts.connectTimeoutMs ?? 5000);
    } catch (err) {
      store.link.redis.disconnect();
      throw err;
    }
    return store;
  }

  private constructor(private readonly opts: RedisStoreOptions) {
    this.log = opts.log;
    this.clock = opts.clock ?? systemClock;
    const callTtlMs = opts.callTtlMs ?? 60_000;
    const nodeTtlMs = opts.nodeTtlMs ?? 60_000;
    this.refreshMs = Math.max(10, Math.floor(Math.min(callTtlMs, nodeTtlMs) / 3));
    this.link = new RedisLink({ url: opts.url, log: opts.log, commandTimeoutMs: opts.commandTimeoutMs });
    this.outbox = new Outbox(this.link, {
      log: opts.log,
      clock: this.clock,
      onDrained: () => this.republish(),
    });
    const keys = new RedisKeys(opts.prefix);
    this.liveCalls = new RedisCalls({
      link: this.link,
      outbox: this.outbox,
      keys,
      nodeId: opts.nodeId,
      ttlMs: callTtlMs,
    });
    this.calls = this.liveCalls;
    this.registry = new RedisNodes({
      link: this.link,
      outbox: this.outbox,
      keys,
      nodeId: opts.nodeId,
      ttlMs: nodeTtlMs,
    });
    this.nodes = this.registry;
    this.cdrs = new RedisCdrs(this.link, this.outbox, keys);
    this.recordings = new RedisRecordings(this.link, this.outbox, keys);
    this.applications = new RedisApplications(this.link, keys);
  }

  /** Writes waiting for Redis. */
  get pendingWrites(): number {
    return this.outbox.size;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.refreshTimer?.cancel();
    // Real time: close() must end even when Redis never comes back.
    const deadline = systemClock.now() + (this.opts.closeTimeoutMs ?? 3000);
    while (this.outbox.size > 0 && systemClock.now() < deadline) {
      if (this.link.ready) await this.outbox.flush();
      if (this.outbox.size > 0) await sleep(50);
    }
    this.outbox.stop();
    for (const w of this.outbox.pending) {
      // Logged in full so that an operator can restore what Redis never got.
      const record = 'record' in w ? w.record : undefined;
      this.log.error({ kind: w.kind, id: w.id, record }, 'store: write lost at close, Redis unreachable');
    }
    if (this.link.ready) await Promise.race([this.link.redis.quit().catch(() => {}), sleep(1000)]);
    this.link.redis.disconnect();
  }

  private async start(timeoutMs: number): Promise<void> {
    const { redis } = this.link;
    let connected = false;
    let errors = 0;
    redis.on('ready', () => {
      this.log.info({ node: this.opts.nodeId }, 'store: Redis ready');
      connected = true;
      errors = 0;
      this.needRepublish = true;
      this.outbox.flush();
    });
    redis.on('close', () => {
      if (connected && !this.closed) this.log.warn('store: Redis connection lost; working from memory');
      connected = false;
    });
    redis.on('error', (err: Error) => {
      // ioredis keeps reconnecting by itself; one line per outage is enough.
      if (errors++ === 0) this.log.warn({ err: err.message }, 'store: Redis error');
    });
    const ready = new Promise<void>((resolve) => redis.once('ready', () => resolve()));
    redis.connect().catch(() => {});
    let timer: TimerHandle | undefined;
    const timeout = new Promise<never>((_, reject) => {
      // Real time: this bounds a network wait, not a state machine.
      timer = systemClock.setTimer(timeoutMs, () =>
        reject(new StoreError('UNAVAILABLE', `Redis at ${redactUrl(this.opts.url)} did not answer`)),
      );
    });
    try {
      await Promise.race([ready, timeout]);
    } finally {
      timer?.cancel();
    }
    this.scheduleRefresh();
  }

  /** After a replay that emptied the outbox: write this node's calls again if needed. */
  private async republish(): Promise<void> {
    if (!this.needRepublish || this.closed) return;
    this.needRepublish = false;
    try {
      await this.liveCalls.republish();
      await this.registry.republish();
      if (this.liveCalls.ownCount > 0)
        this.log.info({ calls: this.liveCalls.ownCount }, 'store: live calls re-published');
    } catch (err) {
      this.needRepublish = true;
      throw err;
    }
  }

  private scheduleRefresh(): void {
    this.refreshTimer = this.clock.setTimer(this.refreshMs, () => {
      if (this.closed) return;
      if (this.link.ready && this.outbox.size === 0) {
        Promise.all([this.liveCalls.refresh(), this.registry.refresh()]).catch((err: Error) =>
          this.log.warn({ err: err.message }, 'store: TTL refresh failed'),
        );
      }
      this.scheduleRefresh();
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => systemClock.setTimer(ms, resolve));
}

/** The URL without its password, for messages. */
function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
