import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TcpTransport, type TcpTransportOptions } from '../../../../src/sip/transport/tcp.ts';
import type { Source } from '../../../../src/sip/transport/types.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';

/** Rejects when `p` does not settle in time, so that a broken behaviour fails instead of hanging. */
function within<T>(p: Promise<T>, what: string, ms = 3000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const OPTIONS = 'OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nCall-ID: 1\r\nContent-Length: 0\r\n\r\n';
const OK = 'SIP/2.0 200 OK\r\nCall-ID: 1\r\nContent-Length: 0\r\n\r\n';

async function client(address: string, port: number): Promise<Socket> {
  const s = connect({ host: address, port });
  await once(s, 'connect');
  return s;
}

/** Collects what a raw socket receives. */
function collect(s: Socket): { text: () => string; closed: Promise<void> } {
  let text = '';
  s.on('data', (d: Buffer) => {
    text += d.toString('latin1');
  });
  s.on('error', () => {});
  const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
  return { text: () => text, closed };
}

async function until(cond: () => boolean, what: string, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function messages(t: TcpTransport): { data: string; source: Source }[] {
  const got: { data: string; source: Source }[] = [];
  t.onMessage((data, source) => got.push({ data: data.toString('latin1'), source }));
  return got;
}

async function withTransport(
  opts: Partial<TcpTransportOptions>,
  fn: (t: TcpTransport) => Promise<void>,
): Promise<void> {
  const t = await TcpTransport.listen({ address: '127.0.0.1', port: 0, ...opts });
  try {
    await fn(t);
  } finally {
    await t.close();
  }
}

for (const address of ['127.0.0.1', '::1']) {
  describe(`TcpTransport on ${address}`, { timeout: 10_000 }, () => {
    test('frames inbound messages and answers over the connection they came on (18.2.2)', async () => {
      const t = await TcpTransport.listen({ address, port: 0 });
      try {
        const got = messages(t);
        const c = await client(address, t.local.port);
        const rx = collect(c);
        c.write(OPTIONS + OPTIONS.slice(0, 20));
        c.write(OPTIONS.slice(20));
        await until(() => got.length === 2, 'two messages');
        const source = got[0].source;
        assert.equal(got[0].data, OPTIONS);
        assert.equal(source.protocol, 'tcp');
        assert.equal(source.address, address);
        assert.equal(source.port, c.localPort);
        assert.ok(source.connectionId);
        assert.equal(got[1].source.connectionId, source.connectionId);
        assert.ok(t.hasConnection(source.connectionId));
        // The address given is unused while the connection is open.
        await t.send(Buffer.from(OK), { address, port: 9 }, source.connectionId);
        await until(() => rx.text() === OK, 'the response on the same connection');
        assert.equal(t.connectionCount, 1);
        c.destroy();
        await until(() => t.connectionCount === 0, 'the connection to be forgotten');
        assert.equal(t.hasConnection(source.connectionId), false);
      } finally {
        await t.close();
      }
    });
  });
}

describe('TcpTransport', { timeout: 10_000 }, () => {
  test('requests to the same address reuse one outbound connection', async () => {
    await withTransport({}, async (a) => {
      await withTransport({}, async (b) => {
        const got = messages(b);
        const to = { address: '127.0.0.1', port: b.local.port };
        await Promise.all([a.send(Buffer.from(OPTIONS), to), a.send(Buffer.from(OPTIONS), to)]);
        await a.send(Buffer.from(OPTIONS), to);
        await until(() => got.length === 3, 'three messages');
        assert.equal(a.stats.connected, 1);
        assert.equal(b.stats.accepted, 1);
        assert.equal(new Set(got.map((m) => m.source.connectionId)).size, 1);
        // b answers without naming the connection: the inbound one from a's address is reused.
        const back = messages(a);
        const src = got[0].source;
        await b.send(Buffer.from(OK), { address: src.address, port: src.port });
        await until(() => back.length === 1, 'the answer');
        assert.equal(b.stats.connected, 0);
      });
    });
  });

  test('a gone connection id falls back to a connection to the given address', async () => {
    await withTransport({}, async (t) => {
      const server = createServer();
      const received: string[] = [];
      server.on('connection', (s) => s.on('data', (d) => received.push(String(d))));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const port = (server.address() as { port: number }).port;
      try {
        await t.send(Buffer.from(OK), { address: '127.0.0.1', port }, 'tcp-does-not-exist');
        await until(() => received.join('') === OK, 'the response on a new connection');
      } finally {
        await t.close();
        server.close();
      }
    });
  });

  test('a connection idle for the timeout is closed', async () => {
    const clock = new FakeClock();
    await withTransport({ clock, idleTimeoutMs: 1000 }, async (t) => {
      const got = messages(t);
      const c = await client('127.0.0.1', t.local.port);
      const rx = collect(c);
      c.write(OPTIONS);
      await until(() => got.length === 1, 'a message');
      clock.advance(600);
      c.write(OPTIONS); // traffic restarts the idle period
      await until(() => got.length === 2, 'the second message');
      clock.advance(600);
      assert.equal(t.connectionCount, 1, 'not idle yet: traffic 600 ms ago');
      clock.advance(400);
      await within(rx.closed, 'the close');
      await until(() => t.connectionCount === 0, 'the connection to go');
      assert.equal(t.stats.idleClosed, 1);
    });
  });

  test('connections beyond the limit are refused', async () => {
    await withTransport({ maxConnections: 1 }, async (t) => {
      const got = messages(t);
      const first = await client('127.0.0.1', t.local.port);
      collect(first);
      await until(() => t.connectionCount === 1, 'the first connection');
      const second = await client('127.0.0.1', t.local.port);
      const rx2 = collect(second);
      await within(rx2.closed, 'the close');
      assert.equal(t.stats.refused, 1);
      first.write(OPTIONS);
      await until(() => got.length === 1, 'the first connection still works');
      await assert.rejects(t.send(Buffer.from(OPTIONS), { address: '127.0.0.1', port: 9 }), {
        code: 'TRANSPORT',
      });
      first.destroy();
    });
  });

  test('CRLFCRLF is answered with CRLF; a single CRLF is ignored (RFC 5626 4.4.1)', async () => {
    await withTransport({}, async (t) => {
      const got = messages(t);
      const c = await client('127.0.0.1', t.local.port);
      const rx = collect(c);
      c.write('\r\n\r\n');
      await until(() => rx.text() === '\r\n', 'the pong');
      c.write(`\r\n${OPTIONS}`);
      await until(() => got.length === 1, 'the message after a CRLF');
      assert.equal(got[0].data, OPTIONS);
      assert.equal(rx.text(), '\r\n', 'no pong for a single CRLF');
      c.destroy();
    });
  });

  test('a framing error reaches the handler, which may answer before the connection closes', async () => {
    await withTransport({}, async (t) => {
      const got = messages(t);
      const errors: { status?: number; head?: string }[] = [];
      t.onStreamError(async (err, head, source) => {
        errors.push({ status: err.status, head: head?.toString('latin1') });
        await sleep(20); // an answer built asynchronously still goes out
        await t.send(Buffer.from(`SIP/2.0 400 ${err.message}\r\n\r\n`), source, source.connectionId);
      });
      const c = await client('127.0.0.1', t.local.port);
      const rx = collect(c);
      const head = 'OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 13\r\nContent-Length: 5\r\n\r\n';
      c.write(`${head}whatever${OPTIONS}`);
      await within(rx.closed, 'the close');
      assert.equal(rx.text(), 'SIP/2.0 400 Bad Request - conflicting Content-Length values\r\n\r\n');
      assert.deepEqual(errors, [{ status: 400, head }]);
      assert.equal(got.length, 0, 'nothing after the error is framed');
      assert.equal(t.stats.framingErrors, 1);
    });
  });

  test('a header section over the limit closes the connection', async () => {
    await withTransport({ framerLimits: { maxHeaderBytes: 256 } }, async (t) => {
      const c = await client('127.0.0.1', t.local.port);
      const rx = collect(c);
      c.write(`OPTIONS sip:a@b SIP/2.0\r\n${'X-Junk: 0123456789abcdef\r\n'.repeat(20)}`);
      await within(rx.closed, 'the close');
      assert.equal(t.stats.framingErrors, 1);
    });
  });

  test('a handler that throws does not break the connection', async () => {
    await withTransport({}, async (t) => {
      let n = 0;
      t.onMessage(() => {
        n++;
        throw new Error('boom');
      });
      const c = await client('127.0.0.1', t.local.port);
      collect(c);
      c.write(OPTIONS + OPTIONS);
      await until(() => n === 2, 'both messages despite the throw');
      c.destroy();
    });
  });

  test('connecting to a closed port rejects with TRANSPORT and leaves no connection', async () => {
    await withTransport({}, async (t) => {
      const server = createServer();
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const port = (server.address() as { port: number }).port;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await assert.rejects(t.send(Buffer.from(OPTIONS), { address: '127.0.0.1', port }), {
        code: 'TRANSPORT',
      });
      await until(() => t.connectionCount === 0, 'the failed connection to be forgotten');
    });
  });

  test('close() ends every connection and is idempotent', async () => {
    const t = await TcpTransport.listen({ address: '127.0.0.1', port: 0 });
    const c = await client('127.0.0.1', t.local.port);
    const rx = collect(c);
    await until(() => t.connectionCount === 1, 'the connection');
    await Promise.all([t.close(), t.close()]);
    await within(rx.closed, 'the close');
    await assert.rejects(t.send(Buffer.from(OPTIONS), { address: '127.0.0.1', port: 9 }), {
      code: 'TRANSPORT',
    });
  });
});
