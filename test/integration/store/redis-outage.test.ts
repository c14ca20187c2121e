/**
 * The Redis backend through outages (issue 6, State): calls on a node survive a Redis restart
 * (the node works from memory and re-publishes its state when Redis returns), and CDRs and
 * recordings written while Redis is away are not lost. Runs against a real redis-server that
 * the tests stop and restart (empty: no persistence), and through a TCP proxy that the tests
 * cut (a partition: Redis keeps its data).
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { Writable } from 'node:stream';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { RedisStore } from '../../../src/store/redis-store.ts';
import { StoreError } from '../../../src/store/types.ts';
import { type Logger, silentLogger } from '../../../src/util/log.ts';
import { type RedisServer, startRedisServer } from '../../helpers/redis-server.ts';
import { application, cdr, liveCall, recording } from '../../unit/store/fixtures.ts';

let server: RedisServer;
let raw: Redis;
const stores: RedisStore[] = [];

before(async () => {
  server = await startRedisServer();
  // The test's own view of Redis: keeps reconnecting across restarts.
  raw = new Redis(server.url, { lazyConnect: true, retryStrategy: () => 50 });
  raw.on('error', () => {});
  await raw.connect();
});

after(async () => {
  raw?.disconnect();
  await server?.close();
});

beforeEach(async () => {
  if (!server.running) await server.restart();
  await waitFor(async () => (await raw.ping()) === 'PONG', 'raw client back');
  await raw.flushall();
});

afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

async function open(nodeId: string, url = server.url, log: Logger = silentLogger): Promise<RedisStore> {
  const s = await RedisStore.connect({ url, nodeId, log, closeTimeoutMs: 500 });
  stores.push(s);
  return s;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check: () => Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Redis may still be starting.
    }
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await sleep(25);
  }
}

/** Runs the operation and asserts that it settled within `ms` (no hanging promise). */
async function prompt<T>(what: string, op: Promise<T>, ms = 1000): Promise<T> {
  const t0 = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([op, hang]);
  } finally {
    clearTimeout(timer);
    assert.ok(Date.now() - t0 < ms, `${what} took ${Date.now() - t0} ms`);
  }
}

const unavailable = (err: unknown) => err instanceof StoreError && err.code === 'UNAVAILABLE';

/** A TCP proxy to Redis that the test can cut (a network partition) and restore. */
async function startProxy(targetPort: number) {
  const sockets = new Set<Socket>();
  let srv: Server | undefined;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      srv = createServer((client) => {
        const upstream = tcpConnect({ host: '127.0.0.1', port: targetPort });
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {});
        }
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => {
        const addr = srv!.address();
        resolve(typeof addr === 'object' && addr ? addr.port : 0);
      });
    });
  const port = await listen(0);
  const cut = async () => {
    const s = srv;
    srv = undefined;
    for (const sock of sockets) sock.destroy();
    await new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()));
  };
  return { port, url: `redis://127.0.0.1:${port}`, cut, restore: () => listen(port), close: cut };
}

describe('Redis outage', () => {
  test('Redis restarts empty: the node keeps working, then re-publishes its calls and writes what it queued', async () => {
    const a = await open('node-a');
    await a.calls.put(liveCall('c-before', { call_status: 'ringing', answered_at: undefined }));
    await a.calls.put(liveCall('c-gone'));
    // Untouched during the outage: only the re-publishing brings it back.
    await a.calls.put(
      liveCall('c-steady', { initiated_at: '2026-01-10T10:00:09.000Z', call_status: 'ringing' }),
    );
    await server.stop();

    // Writes while Redis is away: all settle promptly.
    await prompt(
      'put new call',
      a.calls.put(liveCall('c-during', { initiated_at: '2026-01-10T10:00:05.000Z' })),
    );
    await prompt('put update', a.calls.put(liveCall('c-before')));
    assert.equal(await prompt('remove', a.calls.remove('c-gone')), true);
    for (const u of ['d1', 'd2', 'd3']) {
      await prompt(`add CDR ${u}`, a.cdrs.add(cdr(u, { end_time: `2026-01-10T10:0${u[1]}:00.000Z` })));
    }
    await prompt('add recording r1', a.recordings.add(recording('r1', { call_uuid: 'c-during' })));
    await prompt('add recording r2', a.recordings.add(recording('r2', { recording_type: 'conference' })));
    assert.ok(a.pendingWrites > 0);

    // Reads of this node's own calls (and of what it queued) still work.
    assert.deepEqual(
      await prompt('get own', a.calls.get('c-during')),
      liveCall('c-during', { initiated_at: '2026-01-10T10:00:05.000Z' }),
    );
    assert.deepEqual(await prompt('get updated', a.calls.get('c-before')), liveCall('c-before'));
    assert.equal(await prompt('get removed', a.calls.get('c-gone')), undefined);
    const own = await prompt('list own', a.calls.list({ nodeId: 'node-a' }));
    assert.deepEqual(
      own.map((c) => c.call_uuid),
      ['c-before', 'c-during', 'c-steady'],
    );
    assert.deepEqual(
      await prompt('list own in-progress', a.calls.list({ nodeId: 'node-a', status: 'in-progress' })).then(
        (l) => l.length,
      ),
      2,
    );
    assert.equal((await prompt('queued CDR', a.cdrs.get('d2')))?.uuid, 'd2');
    assert.equal((await prompt('queued recording', a.recordings.get('r1')))?.call_uuid, 'c-during');

    // Other reads fail fast with UNAVAILABLE.
    await assert.rejects(prompt('query', a.cdrs.query({}, { offset: 0, limit: 20 })), unavailable);
    await assert.rejects(prompt('list all', a.calls.list()), unavailable);
    await assert.rejects(prompt('foreign call', a.calls.get('someone-else')), unavailable);
    await assert.rejects(prompt('recordings', a.recordings.list({}, { offset: 0, limit: 20 })), unavailable);
    await assert.rejects(prompt('app create', a.applications.create(application('1'))), unavailable);
    await assert.rejects(prompt('app list', a.applications.list({ offset: 0, limit: 20 })), unavailable);

    await server.restart();
    await waitFor(
      async () => a.pendingWrites === 0 && (await raw.exists('pb:call:c-before', 'pb:call:c-steady')) === 2,
      'replay and re-publishing',
    );

    // An independent client and another node see everything the node kept.
    assert.deepEqual(
      JSON.parse((await raw.get('pb:call:c-during'))!),
      liveCall('c-during', { initiated_at: '2026-01-10T10:00:05.000Z' }),
    );
    assert.equal(await raw.exists('pb:call:c-gone'), 0);
    assert.deepEqual(await raw.zrevrange('pb:cdrs', 0, -1), ['d3', 'd2', 'd1']);
    assert.ok((await raw.pttl('pb:call:c-during')) > 0, 're-published with a TTL');
    const b = await open('node-b');
    const calls = await b.calls.list();
    assert.deepEqual(
      calls.map((c) => [c.call_uuid, c.call_status, c.node_id]),
      [
        ['c-before', 'in-progress', 'node-a'],
        ['c-during', 'in-progress', 'node-a'],
        ['c-steady', 'ringing', 'node-a'],
      ],
    );
    const cdrs = await b.cdrs.query({}, { offset: 0, limit: 20 });
    assert.deepEqual(
      cdrs.data.map((c) => c.uuid),
      ['d3', 'd2', 'd1'],
    );
    assert.equal(cdrs.summary.totalCalls, 3);
    const recs = await b.recordings.list({}, { offset: 0, limit: 20 });
    assert.deepEqual(recs.objects.map((r) => r.recording_id).sort(), ['r1', 'r2']);
    assert.deepEqual((await b.recordings.list({ callUuid: 'c-during' }, { offset: 0, limit: 20 })).total, 1);
    // And the node is back to normal operation.
    assert.equal((await a.cdrs.query({}, { offset: 0, limit: 1 })).total, 3);
  });

  test('another node sees this node calls (two stores, two node ids, one Redis)', async () => {
    const a = await open('node-a');
    const b = await open('node-b');
    await a.calls.put(liveCall('a-1', { node_id: 'node-a', call_status: 'queued' }));
    await b.calls.put(liveCall('b-1', { node_id: 'node-b', initiated_at: '2026-01-10T10:00:01.000Z' }));
    assert.equal((await b.calls.get('a-1'))?.node_id, 'node-a');
    assert.equal((await a.calls.get('b-1'))?.node_id, 'node-b');
    assert.deepEqual(
      (await b.calls.list({ nodeId: 'node-a' })).map((c) => c.call_uuid),
      ['a-1'],
    );
    assert.deepEqual(
      (await b.calls.list({ status: 'queued' })).map((c) => c.call_uuid),
      ['a-1'],
    );
    assert.deepEqual(
      (await a.calls.list()).map((c) => c.call_uuid),
      ['a-1', 'b-1'],
    );
    await a.calls.put(liveCall('a-1', { node_id: 'node-a', call_status: 'in-progress' }));
    assert.equal((await b.calls.get('a-1'))?.call_status, 'in-progress');
    assert.deepEqual(await b.calls.list({ status: 'queued' }), []);
    assert.equal(await a.calls.remove('a-1'), true);
    assert.equal(await b.calls.get('a-1'), undefined);
    assert.deepEqual(
      (await b.calls.list()).map((c) => c.call_uuid),
      ['b-1'],
    );
  });

  test('a partition (Redis keeps its data): queued writes replay in order, removes included', async () => {
    const proxy = await startProxy(server.port);
    try {
      const a = await open('node-a', proxy.url);
      await a.calls.put(liveCall('p-1'));
      await a.calls.put(liveCall('p-2', { call_status: 'ringing' }));
      await a.recordings.add(recording('pr-1'));
      await proxy.cut();
      await prompt('remove p-1', a.calls.remove('p-1'));
      await prompt('update p-2', a.calls.put(liveCall('p-2', { call_status: 'in-progress' })));
      await prompt('put p-3', a.calls.put(liveCall('p-3')));
      await prompt('remove p-3', a.calls.remove('p-3'));
      await prompt('add CDR', a.cdrs.add(cdr('p-1')));
      await prompt('update CDR', a.cdrs.add(cdr('p-1', { hangup_cause: 'USER_BUSY' })));
      assert.equal(await raw.exists('pb:call:p-1'), 1, 'Redis itself still has the old state');
      await proxy.restore();
      await waitFor(async () => a.pendingWrites === 0, 'replay');
      assert.equal(await raw.exists('pb:call:p-1'), 0, 'the queued remove reached Redis');
      assert.equal(await raw.exists('pb:call:p-3'), 0, 'put then remove: gone');
      assert.equal(JSON.parse((await raw.get('pb:call:p-2'))!).call_status, 'in-progress');
      assert.deepEqual(await raw.zrange('pb:calls:ringing', 0, -1), []);
      assert.equal(
        JSON.parse((await raw.get('pb:cdr:p-1'))!).hangup_cause,
        'USER_BUSY',
        'the later write won',
      );
      assert.equal(await raw.exists('pb:rec:pr-1'), 1);
    } finally {
      await proxy.close();
    }
  });

  test('close() writes what is queued when Redis comes back in time', async () => {
    const a = await RedisStore.connect({
      url: server.url,
      nodeId: 'node-a',
      log: silentLogger,
      closeTimeoutMs: 5000,
    });
    await server.stop();
    await prompt('add CDR', a.cdrs.add(cdr('late-1')));
    const closing = a.close();
    await server.restart();
    await closing;
    await waitFor(async () => (await raw.exists('pb:cdr:late-1')) === 1, 'CDR written by close()', 1000);
  });

  test('close() gives up after its bound and logs each write it could not make, in full', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(JSON.parse(String(chunk)));
        cb();
      },
    });
    const log = pino({ level: 'warn' }, sink);
    const a = await RedisStore.connect({ url: server.url, nodeId: 'node-a', log, closeTimeoutMs: 300 });
    await server.stop();
    await prompt('add CDR', a.cdrs.add(cdr('lost-1')));
    await prompt('add recording', a.recordings.add(recording('lost-r')));
    await prompt('close', a.close(), 1500);
    const lost = lines.filter((l) => String(l.msg).includes('lost at close'));
    assert.deepEqual(
      lost.map((l) => [l.kind, l.id]),
      [
        ['cdr', 'lost-1'],
        ['recording', 'lost-r'],
      ],
    );
    assert.deepEqual(lost[0]!.record, cdr('lost-1'));
  });

  test('inbound routing keeps working from the last routing seen while Redis is away', async () => {
    const a = await open('node-a');
    await a.applications.create(application('10'));
    await a.applications.create(application('20', { default_app: true }));
    await a.applications.attachNumber('14155550100', '10');
    assert.equal((await a.applications.route('14155550100'))?.app_id, '10');
    await server.stop();
    assert.equal((await prompt('route known', a.applications.route('14155550100')))?.app_id, '10');
    await assert.rejects(prompt('route unseen', a.applications.route('999')), unavailable);
    await server.restart();
    await waitFor(async () => a.pendingWrites === 0 && (await raw.ping()) === 'PONG', 'back');
    // Redis came back empty: the truth is Redis again, not the cache.
    await waitFor(
      async () => (await a.applications.route('14155550100').catch(() => 'down')) === undefined,
      'fresh route',
    );
  });
});
