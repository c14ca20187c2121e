import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type PortAllocation, RtpPortPool } from '../../../../src/media/rtp/port-pool.ts';

function bindOn(port: number): Promise<Socket> {
  const s = createSocket({ type: 'udp4', reuseAddr: false });
  return new Promise((resolve, reject) => {
    s.once('error', (err) => {
      s.close();
      reject(err);
    });
    s.bind({ address: '127.0.0.1', port, exclusive: true }, () => resolve(s));
  });
}

function closeAll(sockets: Socket[]): Promise<unknown> {
  return Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
}

/** A random even base in 32000-39998 whose `ports` ports are all free right now. */
async function freeBase(ports: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 32000 + 2 * Math.floor(Math.random() * (4000 - ports));
    const held: Socket[] = [];
    try {
      for (let p = base; p < base + ports; p++) held.push(await bindOn(p));
      return base;
    } catch {
      // taken, try another base
    } finally {
      await closeAll(held);
    }
  }
  throw new Error('no free port range found');
}

/** Whether `port` can be bound by someone else now (then it is closed again). */
async function isFree(port: number): Promise<boolean> {
  try {
    await closeAll([await bindOn(port)]);
    return true;
  } catch {
    return false;
  }
}

/** A pool with reuse on a clock the test moves. */
async function reusePool(pairs: number, reuse: { maxIdle: number; restMs?: number; maxIdleMs?: number }) {
  const base = await freeBase(2 * pairs);
  const time = { now: 1000 };
  const pool = new RtpPortPool({
    low: base,
    high: base + 2 * pairs - 1,
    host: '127.0.0.1',
    reuse: { ...reuse, now: () => time.now },
  });
  return { base, time, pool };
}

describe('RtpPortPool with reuse: released pairs stay bound and come back after a rest', {
  timeout: 20_000,
}, () => {
  test('a released pair is kept bound, rests restMs, then is handed out again with the same sockets', async () => {
    const { time, pool } = await reusePool(4, { maxIdle: 4, restMs: 2000 });
    const a = await pool.allocate();
    const { port, rtp, rtcp } = a;
    await a.release();
    assert.equal(pool.inUse, 0);
    assert.equal(pool.idleCount, 1);
    assert.equal(await isFree(port), false, 'still bound while it rests');
    assert.equal(await isFree(port + 1), false);

    time.now += 1999;
    const b = await pool.allocate();
    assert.notEqual(b.port, port, 'not before its rest is over');
    time.now += 1;
    const c = await pool.allocate();
    assert.equal(c.port, port);
    assert.equal(c.rtp, rtp, 'the very same sockets, no new bind');
    assert.equal(c.rtcp, rtcp);
    assert.equal(pool.reused, 1);
    assert.equal(pool.inUse, 2);
    await Promise.all([b.release(), c.release()]);
    await pool.close();
  });

  test('what the previous peer still sends reaches neither the old listener nor the next user', async () => {
    const { time, pool } = await reusePool(2, { maxIdle: 2, restMs: 100 });
    const peer = await bindOn(0);
    try {
      const a = await pool.allocate();
      const old: string[] = [];
      a.rtp.on('message', (m) => old.push(String(m)));
      peer.send('during-call', a.port, '127.0.0.1');
      await once(a.rtp, 'message');
      await a.release();
      assert.equal(a.rtp.listenerCount('message'), 0, 'the session no longer hears the socket');

      // In flight from the previous call: arrives while the pair rests, and is dropped.
      peer.send('stale', a.port, '127.0.0.1');
      await sleep(50);
      time.now += 100;
      const b = await pool.allocate();
      assert.equal(b.port, a.port);
      const heard: string[] = [];
      b.rtp.on('message', (m) => heard.push(String(m)));
      peer.send('new-call', b.port, '127.0.0.1');
      await once(b.rtp, 'message');
      assert.deepEqual(old, ['during-call']);
      assert.deepEqual(heard, ['new-call']);
      await b.release();
      await pool.close();
    } finally {
      await closeAll([peer]);
    }
  });

  test('past maxIdle a released pair is closed; close() closes the resting ones and later releases', async () => {
    const { pool } = await reusePool(4, { maxIdle: 1 });
    const [a, b, c] = [await pool.allocate(), await pool.allocate(), await pool.allocate()];
    await a.release();
    await b.release();
    assert.equal(pool.idleCount, 1);
    assert.equal(await isFree(a.port), false, 'kept');
    assert.equal(await isFree(b.port), true, 'closed: the idle list was full');
    await pool.close();
    assert.equal(pool.idleCount, 0);
    assert.equal(await isFree(a.port), true);
    await c.release();
    assert.equal(await isFree(c.port), true, 'released after close(): closed');
    assert.equal(await isFree(c.port + 1), true);
  });

  test('pairs idle longer than maxIdleMs are closed', async () => {
    const { time, pool } = await reusePool(4, { maxIdle: 4, restMs: 10, maxIdleMs: 5000 });
    const a = await pool.allocate();
    await a.release();
    time.now += 5001;
    const b = await pool.allocate(); // looks at the idle list: a is too old
    assert.notEqual(b.port, a.port);
    assert.equal(pool.idleCount, 0);
    await sleep(20);
    assert.equal(await isFree(a.port), true);
    await b.release();
    await pool.close();
  });

  test('a full range hands out a resting pair of the same kind rather than failing; another kind is rebound', async () => {
    const { base, pool } = await reusePool(2, { maxIdle: 2, restMs: 60_000 });
    const a = await pool.allocate();
    const b = await pool.allocate();
    await a.release();
    const c = await pool.allocate();
    assert.equal(c.port, a.port, 'the only pair not live');
    assert.equal(c.rtp, a.rtp);

    await c.release();
    const mux = await pool.allocate({ rtcpMux: true });
    assert.equal(mux.port, a.port);
    assert.equal(mux.rtcp, undefined);
    assert.notEqual(mux.rtp, a.rtp, 'closed and bound again without its RTCP half');
    assert.equal(await isFree(a.port + 1), true);
    await Promise.all([b.release(), mux.release()]);
    await pool.close();
    for (let p = base; p < base + 4; p++) assert.equal(await isFree(p), true);
  });

  test('a pair whose sockets its user closed is not kept', async () => {
    const { pool } = await reusePool(2, { maxIdle: 2 });
    const a: PortAllocation = await pool.allocate();
    await closeAll([a.rtp]);
    await a.release();
    assert.equal(pool.idleCount, 0);
    assert.equal(await isFree(a.port), true);
    assert.equal(await isFree(a.port + 1), true);
    await pool.close();
  });

  test('without reuse (the default) nothing is kept', async () => {
    const base = await freeBase(4);
    const pool = new RtpPortPool({ low: base, high: base + 3, host: '127.0.0.1' });
    const a = await pool.allocate();
    await a.release();
    assert.equal(pool.idleCount, 0);
    assert.equal(await isFree(a.port), true);
  });
});
