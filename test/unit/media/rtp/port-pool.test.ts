import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import {
  type PortAllocation,
  PortRangeExhaustedError,
  RtpPortPool,
} from '../../../../src/media/rtp/port-pool.ts';

/** Binds a plain UDP socket; rejects (e.g. EADDRINUSE) when the port is taken. */
function bindOn(host: string, port: number): Promise<Socket> {
  const s = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', reuseAddr: false });
  return new Promise((resolve, reject) => {
    s.once('error', (err) => {
      s.close();
      reject(err);
    });
    s.bind({ address: host, port, exclusive: true }, () => resolve(s));
  });
}

function closeAll(sockets: Socket[]): Promise<unknown> {
  return Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
}

/**
 * A random even base in 20000-31998 (below the ephemeral ports) whose `ports` ports are all free on `host` right now,
 * so that tests run side by side and do not trip over ports other processes hold.
 */
async function freeBase(ports: number, host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + 2 * Math.floor(Math.random() * (6000 - ports));
    const held: Socket[] = [];
    try {
      for (let p = base; p < base + ports; p++) held.push(await bindOn(host, p));
      return base;
    } catch {
      // taken, try another base
    } finally {
      await closeAll(held);
    }
  }
  throw new Error('no free port range found');
}

async function releaseAll(allocations: PortAllocation[]): Promise<void> {
  await Promise.all(allocations.map((a) => a.release()));
}

describe('RtpPortPool', { timeout: 20_000 }, () => {
  test('hands out even RTP ports with RTCP bound on the next odd port (RFC 3550 11)', async () => {
    const base = await freeBase(10);
    const pool = new RtpPortPool({ low: base, high: base + 9, host: '127.0.0.1' });
    assert.equal(pool.capacity, 5);
    const a = await pool.allocate();
    try {
      assert.equal(a.port % 2, 0);
      assert.ok(a.port >= base && a.port + 1 <= base + 9);
      assert.deepEqual(a.rtp.address(), { address: '127.0.0.1', family: 'IPv4', port: a.port });
      assert.ok(a.rtcp);
      assert.deepEqual(a.rtcp.address(), { address: '127.0.0.1', family: 'IPv4', port: a.port + 1 });
      assert.equal(pool.inUse, 1);

      // Really bound: a datagram to each port arrives on the matching socket.
      const peer = await bindOn('127.0.0.1', 0);
      try {
        const rtpGot = once(a.rtp, 'message');
        const rtcpGot = once(a.rtcp, 'message');
        peer.send('rtp', a.port, '127.0.0.1');
        peer.send('rtcp', a.port + 1, '127.0.0.1');
        assert.equal(String((await rtpGot)[0]), 'rtp');
        assert.equal(String((await rtcpGot)[0]), 'rtcp');
      } finally {
        await closeAll([peer]);
      }
      // Taken for anyone else.
      await assert.rejects(bindOn('127.0.0.1', a.port), { code: 'EADDRINUSE' });
      await assert.rejects(bindOn('127.0.0.1', a.port + 1), { code: 'EADDRINUSE' });
    } finally {
      await a.release();
    }
  });

  test('rtcp-mux binds the even port only', async () => {
    const base = await freeBase(4);
    const pool = new RtpPortPool({ low: base, high: base + 3, host: '127.0.0.1' });
    const a = await pool.allocate({ rtcpMux: true });
    try {
      assert.equal(a.rtcp, undefined);
      assert.equal(a.rtp.address().port, a.port);
      const odd = await bindOn('127.0.0.1', a.port + 1);
      await closeAll([odd]);
    } finally {
      await a.release();
    }
  });

  test('an odd low bound starts at the next even port; a range without a pair is refused', () => {
    const pool = new RtpPortPool({ low: 40001, high: 40006, host: '127.0.0.1' });
    assert.equal(pool.capacity, 2); // 40002/3 and 40004/5
    assert.equal(new RtpPortPool({ low: 40000, high: 40001 }).capacity, 1);
    assert.throws(() => new RtpPortPool({ low: 40001, high: 40002 }), RangeError);
    assert.throws(() => new RtpPortPool({ low: 40010, high: 40000 }), RangeError);
    assert.throws(() => new RtpPortPool({ low: 0, high: 70000 }), RangeError);
    assert.throws(() => new RtpPortPool({ low: 40000, high: 40009, host: 'localhost' }), TypeError);
  });

  test('exhausting a 3-pair range throws PortRangeExhaustedError naming the range', async () => {
    const base = await freeBase(6);
    const pool = new RtpPortPool({ low: base, high: base + 5, host: '127.0.0.1' });
    const got = [await pool.allocate(), await pool.allocate(), await pool.allocate()];
    try {
      assert.deepEqual(
        got.map((a) => a.port).sort((x, y) => x - y),
        [base, base + 2, base + 4],
      );
      assert.equal(pool.inUse, 3);
      await assert.rejects(pool.allocate(), (err: unknown) => {
        assert.ok(err instanceof PortRangeExhaustedError);
        assert.equal(err.code, 'PORTS_EXHAUSTED');
        assert.match(err.message, new RegExp(`${base}-${base + 5}`));
        assert.match(err.message, /3 of 3 pairs in use/);
        return true;
      });
      assert.equal(pool.inUse, 3);
    } finally {
      await releaseAll(got);
    }
  });

  test('release closes both sockets, is idempotent, and the pool allocates again', async () => {
    const base = await freeBase(6);
    const pool = new RtpPortPool({ low: base, high: base + 5, host: '127.0.0.1' });
    const first = [await pool.allocate(), await pool.allocate(), await pool.allocate()];
    await first[1].release();
    await first[1].release(); // second call: no error, no double count
    assert.equal(pool.inUse, 2);
    const again = await pool.allocate();
    assert.equal(again.port, first[1].port, 'the only free pair');
    await releaseAll([...first, again]);
    assert.equal(pool.inUse, 0);

    // Every socket is really closed: all six ports can be bound by someone else.
    const mine: Socket[] = [];
    for (let p = base; p <= base + 5; p++) mine.push(await bindOn('127.0.0.1', p));
    await closeAll(mine);
  });

  test('a just-released pair is not handed out again at once', async () => {
    const base = await freeBase(8);
    const pool = new RtpPortPool({ low: base, high: base + 7, host: '127.0.0.1' });
    const a = await pool.allocate();
    await a.release();
    const b = await pool.allocate();
    const c = await pool.allocate();
    try {
      assert.notEqual(b.port, a.port);
      assert.notEqual(c.port, a.port);
    } finally {
      await releaseAll([b, c]);
    }
  });

  test('release after the endpoint closed the sockets itself does not throw', async () => {
    const base = await freeBase(4);
    const pool = new RtpPortPool({ low: base, high: base + 3, host: '127.0.0.1' });
    const a = await pool.allocate();
    assert.ok(a.rtcp);
    await closeAll([a.rtp, a.rtcp]);
    await a.release();
    assert.equal(pool.inUse, 0);
  });

  test('ports held by foreign sockets are skipped, RTP or RTCP half alike', async () => {
    const base = await freeBase(8);
    const foreignRtp = await bindOn('127.0.0.1', base);
    const foreignRtcp = await bindOn('127.0.0.1', base + 3);
    const pool = new RtpPortPool({ low: base, high: base + 7, host: '127.0.0.1' });
    try {
      const a = await pool.allocate();
      assert.equal(a.port, base + 4, 'pairs 0/1 and 2/3 are busy');
      // The RTP socket bound on base + 2 before the RTCP half failed was closed again.
      const freed = await bindOn('127.0.0.1', base + 2);
      await closeAll([freed]);
      const b = await pool.allocate();
      assert.equal(b.port, base + 6);
      await assert.rejects(pool.allocate(), /2 of 4 pairs in use/);
      await releaseAll([a, b]);
    } finally {
      await closeAll([foreignRtp, foreignRtcp]);
    }
  });

  test('concurrent allocations never share a port', async () => {
    const base = await freeBase(10);
    const pool = new RtpPortPool({ low: base, high: base + 9, host: '127.0.0.1' });
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => pool.allocate()));
    const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    try {
      assert.equal(ok.length, 5);
      assert.equal(new Set(ok.map((a) => a.port)).size, 5);
      assert.equal(failed.length, 1);
      assert.ok(failed[0] instanceof PortRangeExhaustedError);
      assert.equal(pool.inUse, 5);
    } finally {
      await releaseAll(ok);
    }
  });

  test('a port number is used once per pool, even across address families', async () => {
    const base = await freeBase(2, '::1');
    const pool = new RtpPortPool({ low: base, high: base + 1, host: '127.0.0.1' });
    const a = await pool.allocate();
    try {
      // The kernel would let ::1 bind the same number; the pool must not hand it out twice.
      await assert.rejects(pool.allocate({ host: '::1' }), PortRangeExhaustedError);
    } finally {
      await a.release();
    }
  });

  test('IPv6 ::1, as the pool default or per allocation', async () => {
    const base = await freeBase(4, '::1');
    const v6 = new RtpPortPool({ low: base, high: base + 3, host: '::1' });
    const a = await v6.allocate();
    try {
      assert.deepEqual(a.rtp.address(), { address: '::1', family: 'IPv6', port: a.port });
      assert.equal(a.rtcp?.address().family, 'IPv6');
      assert.equal(a.host, '::1');
    } finally {
      await a.release();
    }

    const v4pool = new RtpPortPool({ low: base, high: base + 3, host: '127.0.0.1' });
    const b = await v4pool.allocate({ host: '::1', rtcpMux: true });
    try {
      assert.equal(b.rtp.address().address, '::1');
      assert.equal(b.rtp.address().port, b.port);
    } finally {
      await b.release();
    }
    await assert.rejects(v4pool.allocate({ host: 'not-an-ip' }), TypeError);
  });
});
