/**
 * UDP sends from a thread of their own: datagrams leave from the transport's port (RFC 3581
 * responses), in order and intact across the ring's wrap-around, what arrives still reaches
 * the transport, and a destination the thread could not send to fails the next send at once.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import { SipError } from '../../../../src/sip/errors.ts';
import type { Source } from '../../../../src/sip/transport/types.ts';
import { UdpTransport } from '../../../../src/sip/transport/udp.ts';
import { UdpSendThread } from '../../../../src/sip/transport/udp-send-thread.ts';

async function peer(address: string): Promise<Socket> {
  const s = createSocket(address.includes(':') ? 'udp6' : 'udp4');
  s.bind(0, address);
  await once(s, 'listening');
  s.setRecvBufferSize(4 * 1024 * 1024);
  return s;
}

/** Resolves with the first `n` datagrams `s` receives, rejects after `ms`. */
function collect(s: Socket, n: number, ms = 5000): Promise<Array<{ data: Buffer; port: number }>> {
  const got: Array<{ data: Buffer; port: number }> = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${got.length} of ${n} datagrams arrived`)), ms);
    s.on('message', (data, rinfo) => {
      got.push({ data, port: rinfo.port });
      if (got.length === n) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}

for (const address of ['127.0.0.1', '::1']) {
  describe(`UdpTransport with a send thread on ${address}`, { timeout: 20_000 }, () => {
    test('what it sends leaves from its own port, in order; what arrives reaches its handler', async () => {
      const t = await UdpTransport.bind({ address, port: 0, sendThread: true });
      const p = await peer(address);
      try {
        assert.equal(t.threaded, true);
        const received: Array<{ text: string; source: Source }> = [];
        t.onMessage((data, source) => {
          received.push({ text: data.toString(), source });
          // Answer where the request came from, as a response goes (RFC 3581).
          void t.send(Buffer.from(`re ${data.toString()}`), { address: source.address, port: source.port });
        });
        const replies = collect(p, 2000);
        for (let i = 0; i < 2000; i++) {
          p.send(`m${i}`, t.local.port, address);
          if (i % 100 === 99) await turn();
        }
        const got = await replies;
        assert.equal(received.length, 2000, 'every datagram reached the transport, none the thread');
        assert.equal(received[0]?.source.port, p.address().port);
        assert.ok(
          got.every((g) => g.port === t.local.port),
          'replies leave from the transport port',
        );
        assert.deepEqual(
          got.map((g) => g.data.toString()),
          Array.from({ length: 2000 }, (_, i) => `re m${i}`),
        );
        assert.equal(t.stats.sent, 2000);
      } finally {
        p.close();
        await t.close();
      }
    });

    test('a port already in use, by a transport with a send thread or without, fails to bind', async () => {
      for (const sendThread of [true, false]) {
        const first = await UdpTransport.bind({ address, port: 0, sendThread });
        try {
          const second = await UdpTransport.bind({ address, port: first.local.port, sendThread: true }).then(
            (t) => t,
            (err: unknown) => err,
          );
          if (second instanceof UdpTransport) {
            await second.close();
            assert.fail(
              `bound port ${first.local.port}, which a transport (send thread ${sendThread}) holds`,
            );
          }
          assert.ok(second instanceof SipError && second.code === 'TRANSPORT', String(second));
          assert.match(second.message, /cannot bind/);
        } finally {
          await first.close();
        }
      }
    });

    test('a destination the thread could not send to fails the next send with a transport error', async () => {
      const t = await UdpTransport.bind({ address, port: 0, sendThread: true });
      try {
        // Port 0 is refused by the thread's socket; the transport learns it from the thread.
        await t.send(Buffer.from('x'), { address, port: 0 });
        let err: unknown;
        for (let i = 0; i < 200 && err === undefined; i++) {
          await new Promise((r) => setTimeout(r, 5));
          err = await t.send(Buffer.from('x'), { address, port: 0 }).then(
            () => undefined,
            (e: unknown) => e,
          );
        }
        assert.ok(err instanceof SipError, `a SipError, got ${String(err)}`);
        assert.equal(err.code, 'TRANSPORT');
        assert.match(err.message, new RegExp(`udp send to ${address.replace(/\./g, '\\.')}:0 failed`));
        assert.ok(t.stats.sendErrors >= 2);
      } finally {
        await t.close();
      }
    });
  });
}

describe('UdpSendThread', { timeout: 20_000 }, () => {
  test('a small ring wraps around many times: every datagram arrives intact and in order', async () => {
    const p = await peer('127.0.0.1');
    const thread = await UdpSendThread.start({
      address: '127.0.0.1',
      port: 0,
      sendBufferSize: 1 << 20,
      ringBytes: 1024,
      onFailure: (_a, _p, message) => assert.fail(message),
      onStray: () => assert.fail('stray'),
      onExit: (err) => assert.fail(String(err)),
    });
    try {
      const n = 3000;
      const sizes = Array.from({ length: n }, (_, i) => 1 + ((i * 37) % 301));
      const got = collect(p, n);
      let full = 0;
      /** Datagram i: its length from `sizes`, its number in the first two bytes, then i % 251. */
      const datagram = (i: number): Buffer => {
        const data = Buffer.alloc(sizes[i] as number, i % 251);
        if (data.length >= 2) data.writeUInt16BE(i, 0);
        return data;
      };
      for (let i = 0; i < n; i++) {
        while (!thread.send(datagram(i), p.address().port, '127.0.0.1')) {
          full++;
          await turn();
        }
      }
      const datagrams = await got;
      assert.ok(full > 0, 'the ring filled at least once');
      datagrams.forEach((d, i) => {
        assert.equal(d.port, thread.port);
        assert.ok(d.data.equals(datagram(i)), `datagram ${i}`);
      });
    } finally {
      p.close();
      await thread.close();
    }
  });

  test('a datagram leaves at once whether the thread naps between datagrams or has gone to sleep', async () => {
    const p = await peer('127.0.0.1');
    const thread = await UdpSendThread.start({
      address: '127.0.0.1',
      port: 0,
      sendBufferSize: 1 << 20,
      onFailure: (_a, _p, message) => assert.fail(message),
      onStray: () => assert.fail('stray'),
      onExit: (err) => assert.fail(String(err)),
    });
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    /** Milliseconds from queueing one datagram to its arrival. */
    const oneWay = async (): Promise<number> => {
      const arrived = once(p, 'message');
      const at = performance.now();
      assert.equal(thread.send(Buffer.from('x'), p.address().port, '127.0.0.1'), true);
      await arrived;
      return performance.now() - at;
    };
    try {
      const delays: Array<[string, number]> = [];
      // Every 2 ms: the thread naps between them (its sleeps end on their own).
      for (let i = 0; i < 40; i++) {
        delays.push([`busy ${i}`, await oneWay()]);
        await pause(2);
      }
      // 60 ms of nothing: it sleeps until woken (its timed wait would end 100 ms later).
      for (let i = 0; i < 3; i++) {
        await pause(60);
        delays.push([`after a pause ${i}`, await oneWay()]);
      }
      const late = delays.filter(([, ms]) => ms > 50);
      assert.deepEqual(late, [], 'every datagram arrives within 50 ms of being queued');
    } finally {
      p.close();
      await thread.close();
    }
  });

  test("the kernel's refusal is reported with the destination", async () => {
    const failures: string[] = [];
    const thread = await UdpSendThread.start({
      address: '127.0.0.1',
      port: 0,
      sendBufferSize: 1 << 20,
      onFailure: (a, port, message) => failures.push(`${a}:${port} ${message}`),
      onStray: () => {},
      onExit: () => {},
    });
    try {
      // Larger than any UDP datagram over IPv4: the kernel says EMSGSIZE.
      assert.equal(thread.send(Buffer.alloc(70_000), thread.port, '127.0.0.1'), true);
      for (let i = 0; i < 200 && failures.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(failures.length, 1);
      assert.match(failures[0] as string, new RegExp(`^127\\.0\\.0\\.1:${thread.port} .*EMSGSIZE`));
    } finally {
      await thread.close();
    }
  });
});
