/**
 * The Forwarder against real HTTP servers on 127.0.0.1: what the owner receives, what the
 * client gets back, streaming, and every way a forward can fail.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, test } from 'node:test';
import express, { type NextFunction, type Request, type Response } from 'express';
import { pino } from 'pino';
import { toApiError } from '../../../src/api/errors.ts';
import { FORWARDED_BY, FORWARDED_TO, Forwarder, type ForwardTarget } from '../../../src/api/forward.ts';
import { MemoryStore } from '../../../src/store/memory-store.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

interface Owner {
  url: string;
  seen: Seen[];
  /** How the owner answers the next requests (after reading the whole body). */
  answer: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function startOwner(): Promise<Owner> {
  const owner: Owner = {
    url: '',
    seen: [],
    answer: (_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}'),
    close: async () => {},
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      owner.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      owner.answer(req, res, body);
    });
  });
  owner.url = await listen(server);
  owner.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return owner;
}

const CALL: ForwardTarget = { nodeId: 'node-a', kind: 'call', id: 'c0ffee00-0000-4000-8000-000000000001' };
const PATH = `/api/v1/Account/MA1/Call/${CALL.id}/Speak/`;

let store: MemoryStore;
let owner: Owner;
let front: Server;
let frontUrl: string;
let clock: FakeClock | undefined;
let logged: Record<string, unknown>[];
let target: ForwardTarget;
/** Something upstream reads the body first (as an app-level body parser would). */
let preParse: boolean;

beforeEach(async () => {
  store = new MemoryStore();
  owner = await startOwner();
  await store.nodes.register({
    node_id: 'node-a',
    api_url: owner.url,
    started_at: '2026-01-10T09:00:00.000Z',
  });
  logged = [];
  clock = undefined;
  target = CALL;
  preParse = false;
  const log = pino({ level: 'debug' }, { write: (line: string) => logged.push(JSON.parse(line)) });
  const app = express();
  app.use((req, res, next) => (preParse ? express.json()(req, res, next) : next()));
  app.use((req: Request, res: Response, next: NextFunction) => {
    const fw = new Forwarder({ nodeId: 'node-b', nodes: store.nodes, log, ...(clock ? { clock } : {}) });
    fw.forward(req, res, target).catch(next);
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = toApiError(err);
    res.status(e.status).json(e.body('front-api-id'));
  });
  front = createServer(app);
  frontUrl = await listen(front);
});

afterEach(async () => {
  front.closeAllConnections();
  await new Promise((r) => front.close(r));
  await owner.close();
});

const json = (body: unknown) => ({
  'X-Auth-ID': 'MA1',
  'X-Auth-Token': 'tok',
  'Content-Type': 'application/json',
  body: JSON.stringify(body),
});

async function send(
  method: string,
  path: string,
  init: { body?: string; [header: string]: string | undefined } = {},
): Promise<globalThis.Response> {
  const { body, ...headers } = init;
  return fetch(`${frontUrl}${path}`, {
    method,
    headers: headers as Record<string, string>,
    ...(body === undefined ? {} : { body }),
  });
}

describe('a forwarded request', () => {
  test('reaches the owner with method, path, query, body bytes, credentials and the hop header', async () => {
    owner.answer = (_req, res) =>
      res.writeHead(202, { 'Content-Type': 'application/json; charset=utf-8' }).end('{"api_id":"owner-id"}');
    const raw = '{ "text":  "Hello there", "voice": "WOMAN" }';
    const res = await send('POST', `${PATH}?x=1&y=%20two`, { ...json({}), body: raw });
    assert.equal(res.status, 202);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(await res.text(), '{"api_id":"owner-id"}', 'the body as the owner wrote it');
    assert.equal(res.headers.get(FORWARDED_TO), 'node-a');

    assert.equal(owner.seen.length, 1);
    const seen = owner.seen[0]!;
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, `${PATH}?x=1&y=%20two`);
    assert.equal(seen.body.toString(), raw, 'the bytes as the client sent them, spacing included');
    assert.equal(seen.headers['x-auth-id'], 'MA1');
    assert.equal(seen.headers['x-auth-token'], 'tok');
    assert.equal(seen.headers['content-type'], 'application/json');
    assert.equal(seen.headers['content-length'], String(Buffer.byteLength(raw)));
    assert.equal(seen.headers[FORWARDED_BY.toLowerCase()], 'node-b');

    const line = logged.find((l) => l.msg === 'api request forwarded');
    assert.ok(line, 'the forward is logged');
    assert.equal(line.node, 'node-a');
    assert.equal(line.status, 202);
    assert.equal(line.method, 'POST');
    assert.equal(line.path, PATH);
    assert.equal(typeof line.ms, 'number');
  });

  test('a form body goes as received; a DELETE without body; the owner`s errors come back unchanged', async () => {
    owner.answer = (_req, res) => res.writeHead(204).end();
    const form = 'text=Hello+there&voice=MAN&language=en-US';
    const res = await send('POST', PATH, {
      'Content-Type': 'application/x-www-form-urlencoded',
      body: form,
    });
    assert.equal(res.status, 204);
    assert.equal(owner.seen[0]!.body.toString(), form);
    assert.equal(owner.seen[0]!.headers['content-type'], 'application/x-www-form-urlencoded');

    owner.answer = (_req, res) =>
      res
        .writeHead(404, { 'Content-Type': 'application/json' })
        .end('{"api_id":"x","error":"Call not found"}');
    const del = await send('DELETE', `/api/v1/Account/MA1/Call/${CALL.id}/`, { 'X-Auth-ID': 'MA1' });
    assert.equal(del.status, 404);
    assert.deepEqual(await del.json(), { api_id: 'x', error: 'Call not found' });
    assert.equal(owner.seen[1]!.method, 'DELETE');
    assert.equal(owner.seen[1]!.body.length, 0);
  });

  test('a body already read by a parser is sent re-encoded, with its own length', async () => {
    preParse = true;
    const res = await send('POST', PATH, json({ text: 'héllo' }));
    assert.equal(res.status, 200);
    const seen = owner.seen[0]!;
    assert.deepEqual(JSON.parse(seen.body.toString()), { text: 'héllo' });
    assert.equal(seen.headers['content-length'], String(seen.body.length));
  });

  test('a download is streamed: the first bytes arrive before the owner has finished', async () => {
    target = { nodeId: 'node-a', kind: 'recording', id: 'r1' };
    const first = Buffer.alloc(64 * 1024, 1);
    const rest = Buffer.alloc(256 * 1024, 2);
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    owner.answer = (_req, res) => {
      res.writeHead(200, {
        'Content-Type': 'audio/wav',
        'Content-Length': String(first.length + rest.length),
        'Content-Disposition': 'attachment; filename="r1.wav"',
        'X-Internal': 'not for clients',
        Connection: 'close',
      });
      res.write(first);
      released.then(() => res.end(rest));
    };
    const got = await new Promise<{ res: IncomingMessage; firstChunk: Buffer }>((resolve, reject) => {
      const req = request(`${frontUrl}/api/v1/Account/MA1/Recording/r1.wav`, (res) => {
        res.once('data', (c: Buffer) => {
          res.pause();
          resolve({ res, firstChunk: c });
        });
      });
      req.on('error', reject);
      req.end();
    });
    // Part of the body is here while the owner still holds the rest back.
    assert.ok(got.firstChunk.length > 0);
    assert.equal(got.res.statusCode, 200);
    assert.equal(got.res.headers['content-type'], 'audio/wav');
    assert.equal(got.res.headers['content-length'], String(first.length + rest.length));
    assert.equal(got.res.headers['content-disposition'], 'attachment; filename="r1.wav"');
    assert.equal(got.res.headers['x-internal'], undefined, 'only the headers that describe the body');
    release();
    const chunks = [got.firstChunk];
    got.res.on('data', (c: Buffer) => chunks.push(c));
    got.res.resume();
    await new Promise((r) => got.res.once('end', r));
    const all = Buffer.concat(chunks);
    assert.equal(all.length, first.length + rest.length);
    assert.ok(all.subarray(0, first.length).every((b) => b === 1));
    assert.ok(all.subarray(first.length).every((b) => b === 2));
  });
});

describe('a forward that ends early', () => {
  test('the client leaves while the owner is still working: the owner`s request is dropped', async () => {
    let ownerSawClose = false;
    owner.answer = (req) => {
      req.socket.once('close', () => {
        ownerSawClose = true;
      });
    };
    const client = request(`${frontUrl}${PATH}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
    });
    client.on('error', () => {});
    client.end('{"text":"x"}');
    while (owner.seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    client.destroy();
    for (let i = 0; i < 100 && !ownerSawClose; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(ownerSawClose, 'the connection to the owner is closed');
    for (let i = 0; i < 100 && !logged.some((l) => l.msg === 'forward abandoned: the client went away'); i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.ok(logged.some((l) => l.msg === 'forward abandoned: the client went away'));
  });

  test('the owner dies in the middle of a body: the client`s response is cut, not left hanging', async () => {
    owner.answer = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'audio/wav', 'Content-Length': '100000' });
      res.write(Buffer.alloc(1000), () => setTimeout(() => res.socket?.destroy(), 20));
    };
    const outcome = await new Promise<{ status?: number; bytes: number; cut: boolean }>((resolve) => {
      const req = request(`${frontUrl}/api/v1/Account/MA1/Recording/r1.wav`, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
        });
        res.on('end', () => resolve({ status: res.statusCode, bytes, cut: false }));
        res.on('error', () => resolve({ status: res.statusCode, bytes, cut: true }));
        res.on('aborted', () => resolve({ status: res.statusCode, bytes, cut: true }));
      });
      req.on('error', () => resolve({ bytes: 0, cut: true }));
      req.end();
    });
    assert.equal(outcome.status, 200);
    assert.equal(outcome.cut, true);
    assert.ok(outcome.bytes < 100000);
    for (let i = 0; i < 100 && !logged.some((l) => l.msg === 'forwarded response cut short'); i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.ok(logged.some((l) => l.msg === 'forwarded response cut short'));
  });
});

describe('a request that cannot be forwarded is a 503 naming the owner', () => {
  test('the owner is not registered: nothing is sent', async () => {
    await store.nodes.remove('node-a');
    const res = await send('POST', PATH, json({ text: 'x' }));
    assert.equal(res.status, 503);
    const body = await res.json();
    assert.equal(body.node_id, 'node-a');
    assert.equal(body.error, 'call is on another node');
    assert.match(body.message, /runs on node node-a, which is not registered/);
    assert.equal(owner.seen.length, 0);
  });

  test('the request was forwarded once already (loop guard): not sent again', async () => {
    const res = await send('POST', PATH, { ...json({ text: 'x' }), [FORWARDED_BY]: 'node-c' });
    assert.equal(res.status, 503);
    const body = await res.json();
    assert.equal(body.node_id, 'node-a');
    assert.match(body.message, /already forwarded by node node-c/);
    assert.equal(owner.seen.length, 0);
  });

  test('the owner refuses the connection', async () => {
    await owner.close();
    const res = await send('DELETE', `/api/v1/Account/MA1/Call/${CALL.id}/`);
    assert.equal(res.status, 503);
    const body = await res.json();
    assert.equal(body.node_id, 'node-a');
    assert.match(body.message, /which could not be reached \(ECONNREFUSED\)/);
    const line = logged.find((l) => l.msg === 'api request not forwarded');
    assert.equal(line?.node, 'node-a');
    assert.equal(line?.err, 'ECONNREFUSED');
  });

  test('the owner sends no answer within the timeout (on the injected clock)', async () => {
    clock = new FakeClock();
    let ownerSawClose = false;
    owner.answer = (req) => {
      req.socket.once('close', () => {
        ownerSawClose = true;
      });
    }; // never answers
    const pending = send('POST', PATH, json({ text: 'x' }));
    while (owner.seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    clock.advance(4999);
    await new Promise((r) => setTimeout(r, 20));
    clock.advance(1);
    const res = await pending;
    assert.equal(res.status, 503);
    const body = await res.json();
    assert.equal(body.node_id, 'node-a');
    assert.match(body.message, /did not answer within 5000 ms/);
    for (let i = 0; i < 50 && !ownerSawClose; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(ownerSawClose, 'the connection to the owner is closed');
    const line = logged.find((l) => l.msg === 'api request not forwarded');
    assert.equal(line?.ms, 5000);
  });

  test('a recording on a node with an unusable API URL', async () => {
    target = { nodeId: 'node-a', kind: 'recording', id: 'r9' };
    await store.nodes.register({ node_id: 'node-a', api_url: 'ftp://x', started_at: '2026-01-10T09:00:00Z' });
    const res = await send('GET', '/api/v1/Account/MA1/Recording/r9.wav');
    assert.equal(res.status, 503);
    const body = await res.json();
    assert.equal(body.error, 'recording is on another node');
    assert.match(body.message, /recording r9 is on node node-a, whose API URL is not usable/);
  });
});
