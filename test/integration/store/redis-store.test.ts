/**
 * The store contract against a real redis-server, plus what only the Redis backend has:
 * createStore's connection, the TTL of live calls and its refresh by the owning node.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createStore } from '../../../src/store/create-store.ts';
import { RedisStore } from '../../../src/store/redis-store.ts';
import { StoreError } from '../../../src/store/types.ts';
import { silentLogger } from '../../../src/util/log.ts';
import { type RedisServer, startRedisServer } from '../../helpers/redis-server.ts';
import { storeContract } from '../../unit/store/contract.ts';
import { liveCall } from '../../unit/store/fixtures.ts';

let server: RedisServer;
let raw: Redis;

before(async () => {
  server = await startRedisServer();
  raw = new Redis(server.url, { lazyConnect: true });
  await raw.connect();
});

after(async () => {
  raw?.disconnect();
  await server?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

storeContract('redis', {
  async open() {
    await raw.flushall();
    return RedisStore.connect({ url: server.url, nodeId: 'node-a', log: silentLogger });
  },
});

describe('redis backend', () => {
  test('createStore with a URL connects to Redis; an unreachable Redis is UNAVAILABLE, promptly', async () => {
    const store = await createStore({ redisUrl: server.url, nodeId: 'n1', log: silentLogger });
    assert.equal(store.kind, 'redis');
    await store.close();
    const dead = await startRedisServer();
    const url = dead.url;
    await dead.close();
    const t0 = Date.now();
    await assert.rejects(
      RedisStore.connect({ url, nodeId: 'n1', log: silentLogger, connectTimeoutMs: 500 }),
      (err: unknown) => err instanceof StoreError && err.code === 'UNAVAILABLE',
    );
    assert.ok(Date.now() - t0 < 2000, `gave up after ${Date.now() - t0} ms`);
  });

  test('a live call lives under pb:call:{uuid} with a TTL; the owner keeps refreshing it', async () => {
    await raw.flushall();
    const store = await RedisStore.connect({
      url: server.url,
      nodeId: 'node-a',
      log: silentLogger,
      callTtlMs: 600,
    });
    try {
      await store.calls.put(liveCall('ttl-1'));
      const ttl = await raw.pttl('pb:call:ttl-1');
      assert.ok(ttl > 0 && ttl <= 600, `pttl ${ttl}`);
      assert.deepEqual(await raw.zrange('pb:calls:in-progress', 0, -1), ['ttl-1']);
      await sleep(1500);
      assert.ok((await raw.exists('pb:call:ttl-1')) === 1, 'refreshed beyond its TTL while the node runs');
      // A key lost meanwhile (e.g. evicted) is written again by the next refresh.
      await raw.del('pb:call:ttl-1');
      await sleep(500);
      assert.equal(await raw.exists('pb:call:ttl-1'), 1, 'written again by the refresh');
    } finally {
      await store.close();
    }
  });

  test('the calls of a node that stopped expire, and the indexes are cleaned when listed', async () => {
    await raw.flushall();
    const dying = await RedisStore.connect({
      url: server.url,
      nodeId: 'node-x',
      log: silentLogger,
      callTtlMs: 300,
    });
    const other = await RedisStore.connect({ url: server.url, nodeId: 'node-y', log: silentLogger });
    try {
      await dying.calls.put(liveCall('gone-1', { node_id: 'node-x', call_status: 'ringing' }));
      await other.calls.put(liveCall('stays-1', { node_id: 'node-y' }));
      assert.deepEqual((await other.calls.list()).map((c) => c.call_uuid).sort(), ['gone-1', 'stays-1']);
      await dying.close(); // stops refreshing, as a crashed node would
      await sleep(500);
      assert.equal(await other.calls.get('gone-1'), undefined);
      assert.deepEqual(
        (await other.calls.list()).map((c) => c.call_uuid),
        ['stays-1'],
      );
      assert.deepEqual(await other.calls.list({ status: 'ringing' }), []);
      await sleep(100);
      assert.deepEqual(
        await raw.zrange('pb:calls', 0, -1),
        ['stays-1'],
        'index member of the expired call dropped',
      );
      assert.deepEqual(await raw.zrange('pb:calls:ringing', 0, -1), []);
    } finally {
      await other.close();
    }
  });

  test('a put or a remove is one MULTI/EXEC (one round trip), with no reads', async () => {
    await raw.flushall();
    const store = await RedisStore.connect({ url: server.url, nodeId: 'node-a', log: silentLogger });
    try {
      await raw.config('RESETSTAT');
      await store.calls.put(liveCall('rt-1'));
      await store.calls.put(liveCall('rt-1', { call_status: 'ringing' }));
      assert.equal(await store.calls.remove('rt-1'), true);
      const stats = await raw.info('commandstats');
      const used = [...stats.matchAll(/cmdstat_(\w+):calls=(\d+)/g)]
        .map(([, name, n]) => `${name}=${n}`)
        .sort();
      // 3 transactions; the rest ran inside them (`info`/`config` are this test's own).
      assert.deepEqual(
        used.filter((u) => !/^(info|config)=/.test(u)),
        ['del=1', 'exec=3', 'multi=3', 'set=2', 'zadd=4', 'zrem=8'],
      );
    } finally {
      await store.close();
    }
  });
});
