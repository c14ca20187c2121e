import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import { after, afterEach, before, describe, test } from 'node:test';
import { startWebhookServer, type WebhookServer } from '../../helpers/webhook-server.ts';
import { clientFixture, listen, rejection } from './client-fixture.ts';

const TOKEN = 'transport-token-321';
const XML = '<Response><Speak>Hello</Speak></Response>';

describe('WebhookClient transport: size cap, timeouts, abort, connections', () => {
  let hooks: WebhookServer;
  const clients = clientFixture({
    authId: 'MA0000000000000000001',
    authToken: TOKEN,
    documentRetry: { backoffMs: 10, readTimeoutMs: 2000, connectTimeoutMs: 500, totalTimeoutMs: 5000 },
  });
  const make = clients.make;

  before(async () => {
    hooks = await startWebhookServer({ authToken: TOKEN });
  });
  afterEach(() => clients.closeAll());
  after(() => hooks.close());

  test('200 KB streamed without length: the download is aborted past the cap', async () => {
    let written = 0;
    let finished = false;
    const closed = new Promise<void>((resolveClosed) => {
      const server = createServer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/xml' });
        const chunk = Buffer.alloc(8 * 1024, 0x20);
        const timer = setInterval(() => {
          if (written >= 200 * 1024) {
            clearInterval(timer);
            res.end(() => {
              finished = true;
            });
            return;
          }
          written += chunk.length;
          res.write(chunk);
        }, 2);
        res.on('close', () => {
          clearInterval(timer);
          server.close();
          resolveClosed();
        });
      });
      void listen(server).then(async (origin) => {
        const err = await rejection(
          make().fetchDocument({ url: `${origin}/stream`, method: 'GET', params: {}, purpose: 'answer' }),
        );
        assert.equal(err.code, 'TOO_LARGE');
      });
    });
    await closed;
    assert.equal(finished, false, 'the server never got to finish the body');
    assert.ok(written < 200 * 1024, `only ${written} bytes were sent`);
  });

  test('a body that stalls mid-way hits the read timeout', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': '100' });
      res.write('<Response>');
    });
    const origin = await listen(server);
    const t0 = performance.now();
    const err = await rejection(
      make({ documentRetry: { readTimeoutMs: 150, retries: 0 } }).fetchDocument({
        url: `${origin}/stall`,
        method: 'GET',
        params: {},
        purpose: 'answer',
      }),
    );
    server.closeAllConnections();
    server.close();
    assert.equal(err.code, 'TIMEOUT');
    assert.ok(performance.now() - t0 < 1000);
  });

  test('the signal aborts an in-flight request at once', async () => {
    hooks.route('/hang', () => ({ contentType: 'application/xml', body: XML, delayMs: 3000 }));
    const c = make();
    const ac = new AbortController();
    const p = rejection(
      c.fetchDocument(
        { url: hooks.url('/hang'), method: 'POST', params: {}, purpose: 'answer' },
        { signal: ac.signal },
      ),
    );
    await hooks.waitFor('/hang');
    assert.equal(c.pending, 1);
    const t0 = performance.now();
    ac.abort();
    const err = await p;
    assert.equal(err.code, 'ABORTED');
    assert.ok(performance.now() - t0 < 1000, 'not waiting for the 3 s reply');
    assert.equal(c.pending, 0);
  });

  test('the signal cuts a back-off wait short', async () => {
    hooks.route('/down', () => ({ status: 502 }));
    const c = make({ documentRetry: { backoffMs: 5000 } });
    const ac = new AbortController();
    const p = rejection(
      c.fetchDocument(
        { url: hooks.url('/down'), method: 'POST', params: {}, purpose: 'answer' },
        { signal: ac.signal },
      ),
    );
    await hooks.waitFor('/down');
    await new Promise((r) => setTimeout(r, 30));
    ac.abort();
    const err = await p;
    assert.equal(err.code, 'ABORTED');
    assert.equal(err.attempts, 1);
    assert.equal(hooks.requestsTo('/down').length, 1);
  });

  test('an already aborted signal sends nothing', async () => {
    const before = hooks.requests.length;
    const err = await rejection(
      make().fetchDocument(
        { url: hooks.url('/never'), method: 'POST', params: {}, purpose: 'answer' },
        { signal: AbortSignal.abort() },
      ),
    );
    assert.equal(err.code, 'ABORTED');
    assert.equal(hooks.requests.length, before);
  });

  test('keep-alive: consecutive fetches reuse one connection', async () => {
    let connections = 0;
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/xml' });
      res.end(XML);
    });
    server.on('connection', () => connections++);
    const origin = await listen(server);
    const c = make();
    for (let i = 0; i < 3; i++)
      await c.fetchDocument({ url: `${origin}/a`, method: 'POST', params: {}, purpose: 'answer' });
    assert.equal(connections, 1);
    await c.close(100);
    server.close();
  });

  test('a reused keep-alive connection the server dropped is retried at once, not counted', async () => {
    const served = new WeakMap<object, number>();
    const server = createServer((req, res) => {
      const n = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, n);
      // The second request on a connection finds it closed, as after an idle timeout.
      if (n === 2) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/xml' });
      res.end(XML);
    });
    const origin = await listen(server);
    const c = make();
    await c.fetchDocument({ url: `${origin}/a`, method: 'POST', params: {}, purpose: 'answer' });
    const doc = await c.fetchDocument({
      url: `${origin}/a#rc=0`,
      method: 'POST',
      params: {},
      purpose: 'answer',
    });
    assert.equal(doc.attempts, 1);
    assert.equal(doc.text, XML);
    await c.close(100);
    server.closeAllConnections();
    server.close();
  });

  /** A TCP server answering each request (head up to the blank line, then `bodyBytes`) with `answer`. */
  async function rawServer(
    answer: (socket: Socket, request: string, n: number) => void,
  ): Promise<{ origin: string; connections: () => number; close: () => void }> {
    let connections = 0;
    let n = 0;
    const sockets = new Set<Socket>();
    const server = createTcpServer((socket) => {
      connections++;
      sockets.add(socket);
      let buf = '';
      socket.on('data', (d) => {
        buf += d.toString('latin1');
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: *(\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        const request = buf.slice(0, end + 4 + length);
        buf = buf.slice(end + 4 + length);
        answer(socket, request, ++n);
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return {
      origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      connections: () => connections,
      close: () => {
        for (const s of sockets) s.destroy();
        server.close();
      },
    };
  }

  test('a chunked reply dribbled a few bytes at a time; Connection: close is honoured', async () => {
    const reply =
      'HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' +
      `${XML.length.toString(16)}\r\n${XML}\r\n0\r\n\r\n`;
    const srv = await rawServer((socket) => {
      let at = 0;
      const timer = setInterval(() => {
        socket.write(reply.slice(at, at + 7));
        at += 7;
        if (at >= reply.length) {
          clearInterval(timer);
          socket.end();
        }
      }, 1);
    });
    const c = make();
    for (let i = 0; i < 2; i++) {
      const doc = await c.fetchDocument({
        url: `${srv.origin}/a`,
        method: 'POST',
        params: { i: String(i) },
        purpose: 'answer',
      });
      assert.equal(doc.text, XML);
    }
    assert.equal(srv.connections(), 2, 'a connection the server closes is not reused');
    await c.close(100);
    srv.close();
  });

  test('a reply that is not HTTP fails as CONNECT naming why, and the client goes on', async () => {
    const srv = await rawServer((socket, _request, n) => {
      if (n === 1) socket.write('SIP/2.0 200 OK\r\n\r\n');
      else
        socket.write(
          `HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: ${XML.length}\r\n\r\n${XML}`,
        );
    });
    const c = make();
    const err = await rejection(
      c.fetchDocument({ url: `${srv.origin}/a#rc=0`, method: 'POST', params: {}, purpose: 'answer' }),
    );
    assert.equal(err.code, 'CONNECT');
    assert.match(err.message, /bad status line/);
    const doc = await c.fetchDocument({
      url: `${srv.origin}/a`,
      method: 'POST',
      params: {},
      purpose: 'answer',
    });
    assert.equal(doc.text, XML);
    await c.close(100);
    srv.close();
  });

  test('credentials in the URL go as Basic authorization; request line and Host as expected', async () => {
    const requests: string[] = [];
    const srv = await rawServer((socket, request) => {
      requests.push(request);
      socket.write(
        `HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: ${XML.length}\r\n\r\n${XML}`,
      );
    });
    const c = make();
    const url = srv.origin.replace('http://', 'http://us%20er:p%40ss@');
    await c.fetchDocument({
      url: `${url}/path/x?q=1`,
      method: 'GET',
      params: { A: 'b c' },
      purpose: 'answer',
    });
    const head = requests[0] as string;
    assert.match(head, /^GET \/path\/x\?q=1&A=b\+c HTTP\/1\.1\r\n/);
    assert.match(head, new RegExp(`\r\nHost: ${srv.origin.slice(7).replaceAll('.', '\\.')}\r\n`));
    assert.match(
      head,
      new RegExp(`\r\nAuthorization: Basic ${Buffer.from('us er:p@ss').toString('base64')}\r\n`),
    );
    await c.close(100);
    srv.close();
  });

  test('https to a plain-HTTP port fails the TLS handshake as CONNECT, retried', async () => {
    const err = await rejection(
      make().fetchDocument({
        url: hooks.url('/tls').replace('http:', 'https:'),
        method: 'POST',
        params: {},
        purpose: 'answer',
      }),
    );
    assert.equal(err.code, 'CONNECT');
    assert.equal(err.attempts, 3);
  });
});
