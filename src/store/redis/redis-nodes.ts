/**
 * The node registry in Redis: `node:{id}` holds the NodeRecord JSON with a TTL, `nodes` is a
 * sorted set of node ids by started_at. As with live calls (`redis-calls.ts`), this node keeps
 * its own record in memory: reads of it need no round trip, and the store refreshes its TTL
 * every third of it, writing it again when the key is gone (Redis restarted empty, evicted).
 * A node that dies stops refreshing, so it leaves the registry within the TTL; a clean
 * shutdown removes it at once.
 */
import { nodeKey } from '../filters.ts';
import { compareAsc, scoreOf } from '../order.ts';
import type { NodeRecord, NodeRegistry } from '../types.ts';
import type { RedisKeys } from './keys.ts';
import type { Outbox, PendingWrite } from './outbox.ts';
import type { RedisLink } from './redis-link.ts';

const copy = <T>(v: T): T => structuredClone(v);

/** Drops index members whose node key is gone (expired), unless the key came back meanwhile. */
const CLEAN_INDEX = `
for i, id in ipairs(ARGV) do
  if redis.call('EXISTS', KEYS[1] .. 'node:' .. id) == 0 then redis.call('ZREM', KEYS[2], id) end
end
return 0`;

export interface RedisNodesOptions {
  link: RedisLink;
  outbox: Outbox;
  keys: RedisKeys;
  nodeId: string;
  /** TTL of a node key (ms). */
  ttlMs: number;
}

export class RedisNodes implements NodeRegistry {
  /** This node's record, while it is registered. */
  private own: NodeRecord | undefined;
  private readonly link: RedisLink;
  private readonly outbox: Outbox;
  private readonly keys: RedisKeys;

  constructor(private readonly opts: RedisNodesOptions) {
    this.link = opts.link;
    this.outbox = opts.outbox;
    this.keys = opts.keys;
  }

  async register(node: NodeRecord): Promise<void> {
    const rec = copy(node);
    if (rec.node_id === this.opts.nodeId) this.own = rec;
    await this.outbox.write(this.putOp(rec));
  }

  async get(nodeId: string): Promise<NodeRecord | undefined> {
    if (this.own?.node_id === nodeId) return copy(this.own);
    const queued = this.outbox.latest(nodeId, ['node-put', 'node-remove']);
    if (queued) return queued.kind === 'node-put' ? copy(queued.record) : undefined;
    return this.link.read(async (r) => {
      const v = await r.get(this.keys.node(nodeId));
      return v === null ? undefined : (JSON.parse(v) as NodeRecord);
    });
  }

  async list(): Promise<NodeRecord[]> {
    return this.link.read(async (r) => {
      const ids = await r.zrange(this.keys.nodes(), 0, -1);
      const recs = await this.link.getJson<NodeRecord>(ids.map((id) => this.keys.node(id)));
      const byId = new Map<string, NodeRecord>();
      const expired: string[] = [];
      recs.forEach((rec, i) => {
        if (!rec) expired.push(ids[i]!);
        else if (rec.node_id !== this.opts.nodeId) byId.set(rec.node_id, rec);
      });
      // This node's record comes from memory (a write of it may still be queued).
      if (this.own) byId.set(this.own.node_id, this.own);
      if (expired.length > 0) this.cleanIndex(expired);
      return [...byId.values()].sort((a, b) => compareAsc(nodeKey(a), nodeKey(b))).map(copy);
    });
  }

  /** True when it was there (for another node while Redis is away: only if a put is queued). */
  async remove(nodeId: string): Promise<boolean> {
    const wasOwn = this.own?.node_id === nodeId;
    if (wasOwn) this.own = undefined;
    const queued = this.outbox.latest(nodeId, ['node-put', 'node-remove']);
    const replies = await this.outbox.write(this.removeOp(nodeId));
    if (replies) return wasOwn || Number(replies[0]) > 0;
    return wasOwn || queued?.kind === 'node-put';
  }

  /** Writes this node's record again (after Redis came back). Throws when it fails. */
  async republish(): Promise<void> {
    const own = this.own;
    if (own) await this.link.exec((m) => this.putOp(own).apply(m));
  }

  /** The heartbeat: extends the TTL of this node's key, writing it again when it is gone. */
  async refresh(): Promise<void> {
    const own = this.own;
    if (!own) return;
    const extended = await this.link.redis.pexpire(this.keys.node(own.node_id), this.opts.ttlMs);
    if (extended === 0 && this.own === own) await this.outbox.write(this.putOp(own));
  }

  private cleanIndex(ids: string[]): void {
    const keys = [this.keys.prefix, this.keys.nodes()];
    this.link.redis.eval(CLEAN_INDEX, keys.length, ...keys, ...ids).catch(() => {});
  }

  private putOp(node: NodeRecord): PendingWrite {
    const json = JSON.stringify(node);
    return {
      kind: 'node-put',
      id: node.node_id,
      record: node,
      apply: (m) => {
        m.set(this.keys.node(node.node_id), json, 'PX', this.opts.ttlMs);
        m.zadd(this.keys.nodes(), scoreOf(node.started_at), node.node_id);
      },
    };
  }

  /** DEL first: its reply says whether the node was there. */
  private removeOp(nodeId: string): PendingWrite {
    return {
      kind: 'node-remove',
      id: nodeId,
      apply: (m) => {
        m.del(this.keys.node(nodeId));
        m.zrem(this.keys.nodes(), nodeId);
      },
    };
  }
}
