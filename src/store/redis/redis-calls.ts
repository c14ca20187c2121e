/**
 * Live calls in Redis. The node keeps its own calls (node_id = this node) in memory as well:
 * they are the truth for those calls, answer reads of them without a round trip (and while
 * Redis is away), and are re-published when Redis returns and refreshed before their TTL
 * runs out. A node that dies stops refreshing, so its calls leave Redis within the TTL.
 */
import { callKey, matchesCall, statusesOf } from '../filters.ts';
import { compareAsc, scoreOf } from '../order.ts';
import type { CallStore, LiveCallFilter, LiveCallRecord } from '../types.ts';
import { LIVE_STATUSES, type RedisKeys } from './keys.ts';
import type { Outbox, PendingWrite } from './outbox.ts';
import type { RedisLink } from './redis-link.ts';

const copy = <T>(v: T): T => structuredClone(v);
const BATCH = 500;

/** Drops index members whose call key is gone (expired), unless the key came back meanwhile. */
const CLEAN_INDEX = `
for i, uuid in ipairs(ARGV) do
  if redis.call('EXISTS', KEYS[1] .. 'call:' .. uuid) == 0 then
    for j = 2, #KEYS do redis.call('ZREM', KEYS[j], uuid) end
  end
end
return 0`;

export interface RedisCallsOptions {
  link: RedisLink;
  outbox: Outbox;
  keys: RedisKeys;
  nodeId: string;
  /** TTL of a call key (ms). */
  ttlMs: number;
}

export class RedisCalls implements CallStore {
  private readonly own = new Map<string, LiveCallRecord>();
  private readonly link: RedisLink;
  private readonly outbox: Outbox;
  private readonly keys: RedisKeys;

  constructor(private readonly opts: RedisCallsOptions) {
    this.link = opts.link;
    this.outbox = opts.outbox;
    this.keys = opts.keys;
  }

  /** Number of this node's live calls. */
  get ownCount(): number {
    return this.own.size;
  }

  async put(call: LiveCallRecord): Promise<void> {
    const rec = copy(call);
    if (rec.node_id === this.opts.nodeId) this.own.set(rec.call_uuid, rec);
    else this.own.delete(rec.call_uuid);
    await this.outbox.write(this.putOp(rec));
  }

  async get(callUuid: string): Promise<LiveCallRecord | undefined> {
    const mine = this.own.get(callUuid);
    if (mine) return copy(mine);
    const queued = this.outbox.latest(callUuid, ['call-put', 'call-remove']);
    if (queued) return queued.kind === 'call-put' ? copy(queued.record) : undefined;
    return this.link.read(async (r) => {
      const v = await r.get(this.keys.call(callUuid));
      return v === null ? undefined : (JSON.parse(v) as LiveCallRecord);
    });
  }

  /**
   * True when it was there. When the removal has to wait for Redis, a call of another node
   * counts as there only if a queued put of it is known here.
   */
  async remove(callUuid: string): Promise<boolean> {
    const wasOwn = this.own.delete(callUuid);
    const queued = this.outbox.latest(callUuid, ['call-put', 'call-remove']);
    const replies = await this.outbox.write(this.removeOp(callUuid));
    if (replies) return wasOwn || Number(replies[0]) > 0;
    return wasOwn || queued?.kind === 'call-put';
  }

  async list(filter: LiveCallFilter = {}): Promise<LiveCallRecord[]> {
    if (filter.nodeId === this.opts.nodeId) return this.sorted([...this.own.values()], filter);
    return this.link.read(async (r) => {
      const statuses = statusesOf(filter);
      const index = statuses?.length === 1 ? this.keys.callsByStatus(statuses[0]!) : this.keys.calls();
      const uuids = await r.zrange(index, 0, -1);
      const recs = await this.link.getJson<LiveCallRecord>(uuids.map((u) => this.keys.call(u)));
      const byUuid = new Map<string, LiveCallRecord>();
      const expired: string[] = [];
      recs.forEach((rec, i) => {
        if (!rec) expired.push(uuids[i]!);
        // This node's calls come from memory (a removal may still be queued).
        else if (rec.node_id !== this.opts.nodeId) byUuid.set(rec.call_uuid, rec);
      });
      for (const mine of this.own.values()) byUuid.set(mine.call_uuid, mine);
      if (expired.length > 0) this.cleanIndex(expired);
      return this.sorted([...byUuid.values()], filter);
    });
  }

  /** Writes every call of this node again (after Redis came back). Throws when it fails. */
  async republish(): Promise<void> {
    const calls = [...this.own.values()];
    for (let i = 0; i < calls.length; i += BATCH) {
      const slice = calls.slice(i, i + BATCH);
      await this.link.exec((m) => {
        for (const c of slice) this.putOp(c).apply(m);
      });
    }
  }

  /** Extends the TTL of this node's calls; a call whose key is gone is written again. */
  async refresh(): Promise<void> {
    const calls = [...this.own.values()];
    for (let i = 0; i < calls.length; i += BATCH) {
      const slice = calls.slice(i, i + BATCH);
      const p = this.link.redis.pipeline();
      for (const c of slice) p.pexpire(this.keys.call(c.call_uuid), this.opts.ttlMs);
      const replies = (await p.exec()) ?? [];
      const gone = slice.filter((_, j) => replies[j]?.[1] === 0);
      for (const c of gone) {
        if (this.own.get(c.call_uuid) === c) await this.outbox.write(this.putOp(c));
      }
    }
  }

  private sorted(calls: LiveCallRecord[], filter: LiveCallFilter): LiveCallRecord[] {
    return calls
      .filter((c) => matchesCall(c, filter))
      .sort((a, b) => compareAsc(callKey(a), callKey(b)))
      .map(copy);
  }

  private indexKeys(): string[] {
    return [this.keys.calls(), ...LIVE_STATUSES.map((s) => this.keys.callsByStatus(s))];
  }

  private cleanIndex(uuids: string[]): void {
    const keys = [this.keys.prefix, ...this.indexKeys()];
    this.link.redis.eval(CLEAN_INDEX, keys.length, ...keys, ...uuids).catch(() => {});
  }

  /** SET with TTL + the indexes, one MULTI: one round trip per put. */
  private putOp(call: LiveCallRecord): PendingWrite {
    const { keys } = this;
    const uuid = call.call_uuid;
    const json = JSON.stringify(call);
    const score = scoreOf(call.initiated_at);
    return {
      kind: 'call-put',
      id: uuid,
      record: call,
      apply: (m) => {
        m.set(keys.call(uuid), json, 'PX', this.opts.ttlMs);
        m.zadd(keys.calls(), score, uuid);
        for (const s of LIVE_STATUSES) {
          if (s === call.call_status) m.zadd(keys.callsByStatus(s), score, uuid);
          else m.zrem(keys.callsByStatus(s), uuid);
        }
      },
    };
  }

  /** DEL first: its reply says whether the call was there. */
  private removeOp(uuid: string): PendingWrite {
    return {
      kind: 'call-remove',
      id: uuid,
      apply: (m) => {
        m.del(this.keys.call(uuid));
        for (const k of this.indexKeys()) m.zrem(k, uuid);
      },
    };
  }
}
