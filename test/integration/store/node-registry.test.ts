/**
 * The node registry that REST forwarding reads (DESIGN 3), on a real redis-server: a node's
 * key has a TTL that its heartbeat keeps refreshing, a node that stops refreshing drops out,
 * a clean removal is immediate, and a Redis that lost its data gets the node back. (The
 * register / get / list / remove contract itself runs in test/unit/store/contract.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { RedisStore } from '../../../src/store/redis-store.ts';
import type { NodeRecord } from '../../../src/store/types.ts';
import { silentLogger } from '../../../src/util/log.ts';
import { type RedisServer, startRedisServer } from '../../helpers/redis-server.ts';

let server: RedisServer;
let raw: Redis;

before(async () => {
  server = await startRedisServer();
  raw = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await raw.connect();
});
after(async () => {
  raw?.disconnect();
  await server?.close();
});
beforeEach(async () => {
  await raw.flushall();
});

const node = (id: string): NodeRecord => ({
  node_id: id,
  api_url: `http://127.0.0.1:8080/${id}`,
  started_at: '2026-01-10T09:00:00.000Z',
});

const open = (nodeId: string, nodeTtlMs = 600) =>
  RedisStore.connect({ url: server.url, nodeId, log: silentLogger, nodeTtlMs });

describe('node registry in Redis', () => {
  test('pb:node:{id} carries a TTL; the heartbeat keeps it past the TTL, and rewrites a lost key', async () => {
    const store = await open('node-a');
    try {
      await store.nodes.register(node('node-a'));
      const ttl = await raw.pttl('pb:node:node-a');
      assert.ok(ttl > 0 && ttl <= 600, `pttl ${ttl}`);
      assert.deepEqual(JSON.parse((await raw.get('pb:node:node-a'))!), node('node-a'));
      assert.deepEqual(await raw.zrange('pb:nodes', 0, -1), ['node-a']);
      await sleep(1500);
      assert.equal(await raw.exists('pb:node:node-a'), 1, 'refreshed beyond its TTL while the node runs');
      await raw.del('pb:node:node-a');
      await sleep(500);
      assert.equal(await raw.exists('pb:node:node-a'), 1, 'written again by the heartbeat');
    } finally {
      await store.close();
    }
  });

  test('a node that stops refreshing (crash) leaves the registry within the TTL; its index entry goes', async () => {
    const dying = await open('node-x', 300);
    const other = await open('node-y');
    try {
      await dying.nodes.register(node('node-x'));
      await other.nodes.register(node('node-y'));
      assert.deepEqual(
        (await other.nodes.list()).map((n) => n.node_id),
        ['node-x', 'node-y'],
      );
      await dying.close(); // no remove: as a crashed node, it just stops refreshing
      await sleep(500);
      assert.equal(await other.nodes.get('node-x'), undefined);
      assert.deepEqual(
        (await other.nodes.list()).map((n) => n.node_id),
        ['node-y'],
      );
      await sleep(100);
      assert.deepEqual(await raw.zrange('pb:nodes', 0, -1), ['node-y'], 'index member dropped');
    } finally {
      await other.close();
    }
  });

  test('a clean removal is seen by the other nodes at once, and stops the heartbeat', async () => {
    const a = await open('node-a');
    const b = await open('node-b');
    try {
      await a.nodes.register(node('node-a'));
      assert.equal((await b.nodes.get('node-a'))?.api_url, node('node-a').api_url);
      assert.equal(await a.nodes.remove('node-a'), true);
      assert.equal(await b.nodes.get('node-a'), undefined);
      assert.equal(await raw.exists('pb:node:node-a'), 0);
      await sleep(500);
      assert.equal(await raw.exists('pb:node:node-a'), 0, 'not written again by the heartbeat');
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('a Redis that restarts empty gets the node back', async () => {
    const store = await open('node-a', 60_000);
    try {
      await store.nodes.register(node('node-a'));
      await server.restart();
      raw.disconnect();
      raw = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await raw.connect();
      let back = false;
      for (let i = 0; i < 100 && !back; i++) {
        back = (await raw.exists('pb:node:node-a')) === 1;
        if (!back) await sleep(50);
      }
      assert.ok(back, 're-published after the reconnection');
      assert.deepEqual(await raw.zrange('pb:nodes', 0, -1), ['node-a']);
    } finally {
      await store.close();
    }
  });
});
