import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { SipError } from '../../../../src/sip/errors.ts';
import type { Source } from '../../../../src/sip/transport/types.ts';
import { UdpTransport } from '../../../../src/sip/transport/udp.ts';

/** Rejects when `p` does not settle in time, so that a broken behaviour fails instead of hanging. */
function within<T>(p: Promise<T>, what: string, ms = 3000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function peer(address: string): Promise<Socket> {
  const s = createSocket(address.includes(':') ? 'udp6' : 'udp4');
  s.bind(0, address);
  await once(s, 'listening');
  return s;
}

function nextMessage(t: UdpTransport): Promise<{ data: Buffer; source: Source }> {
  return new Promise((resolve) => t.onMessage((data, source) => resolve({ data, source })));
}

for (const address of ['127.0.0.1', '::1']) {
  describe(`UdpTransport on ${address}`, { timeout: 10_000 }, () => {
    test('binds an ephemeral port and receives each datagram as one message with its source', async () => {
      const t = await UdpTransport.bind({ address, port: 0 });
      const p = await peer(address);
      try {
        assert.equal(t.local.address, address);
        assert.ok(t.local.port > 0);
        assert.equal(t.reliable, false);
        const got = nextMessage(t);
        p.send('OPTIONS sip:x SIP/2.0\r\n\r\n', t.local.port, address);
        const { data, source } = await within(got, 'the datagram');
        assert.equal(data.toString(), 'OPTIONS sip:x SIP/2.0\r\n\r\n');
        assert.deepEqual(source, {
          protocol: 'udp',
          address,
          port: p.address().port,
          local: { address, port: t.local.port },
        });
      } finally {
        p.close();
        await t.close();
      }
    });

    test('sends a datagram to a peer', async () => {
      const t = await UdpTransport.bind({ address, port: 0 });
      const p = await peer(address);
      try {
        const got = once(p, 'message');
        await t.send(Buffer.from('SIP/2.0 200 OK\r\n\r\n'), { address, port: p.address().port });
        const [data, rinfo] = await within(got, 'the datagram');
        assert.equal(String(data), 'SIP/2.0 200 OK\r\n\r\n');
        assert.equal(rinfo.port, t.local.port, 'sent from the bound socket');
        assert.equal(t.stats.sent, 1);
      } finally {
        p.close();
        await t.close();
      }
    });

    test('ignores CRLF keep-alive datagrams (RFC 5626 4.4.1)', async () => {
      const t = await UdpTransport.bind({ address, port: 0 });
      const p = await peer(address);
      try {
        const got = nextMessage(t);
        p.send('\r\n\r\n', t.local.port, address);
        p.send('\r\n', t.local.port, address);
        p.send('BYE sip:x SIP/2.0\r\n\r\n', t.local.port, address);
        const { data } = await within(got, 'the datagram');
        assert.equal(String(data), 'BYE sip:x SIP/2.0\r\n\r\n');
        assert.equal(t.stats.keepAlives, 2);
        assert.equal(t.stats.received, 1);
      } finally {
        p.close();
        await t.close();
      }
    });
  });
}

describe('UdpTransport errors', { timeout: 10_000 }, () => {
  test('a handler that throws does not take the socket down', async () => {
    const t = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
    const p = await peer('127.0.0.1');
    try {
      let calls = 0;
      const second = new Promise<void>((resolve) =>
        t.onMessage(() => {
          calls++;
          if (calls === 1) throw new Error('boom');
          resolve();
        }),
      );
      p.send('A', t.local.port, '127.0.0.1');
      p.send('B', t.local.port, '127.0.0.1');
      await second;
      assert.equal(calls, 2);
    } finally {
      p.close();
      await t.close();
    }
  });

  test('binding a port in use rejects with a TRANSPORT SipError', async () => {
    const t = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
    try {
      await assert.rejects(
        UdpTransport.bind({ address: '127.0.0.1', port: t.local.port }),
        (err: unknown) => {
          assert.ok(err instanceof SipError);
          assert.equal(err.code, 'TRANSPORT');
          return true;
        },
      );
      await assert.rejects(UdpTransport.bind({ address: 'localhost', port: 0 }), { code: 'TRANSPORT' });
    } finally {
      await t.close();
    }
  });

  test('send after close rejects; close is idempotent', async () => {
    const t = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
    await t.close();
    await t.close();
    await assert.rejects(t.send(Buffer.from('x'), { address: '127.0.0.1', port: 9 }), { code: 'TRANSPORT' });
  });
});
