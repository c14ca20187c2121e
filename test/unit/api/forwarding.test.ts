/**
 * Two REST API nodes over one store, each on its own HTTP port on 127.0.0.1: commands sent to
 * node B for node A's call or recording are carried out by node A (DESIGN 3), and what cannot
 * reach A is a 503 naming it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { PlayRequest, SpeakRequest } from '../../../src/callflow/call-control.ts';
import { MemoryStore } from '../../../src/store/memory-store.ts';
import { StoreError } from '../../../src/store/types.ts';
import { type ApiFixture, AUTH, apiFixture, BASE, liveCall, recording } from '../../helpers/api-fakes.ts';

interface ApiNode {
  f: ApiFixture;
  url: string;
  server: Server;
}

let store: MemoryStore;
let a: ApiNode;
let b: ApiNode;

async function startNode(nodeId: string): Promise<ApiNode> {
  const f = apiFixture({ store, nodeId, forwardTimeoutMs: 2000 });
  const server = createServer(f.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await store.nodes.register({ node_id: nodeId, api_url: url, started_at: new Date().toISOString() });
  return { f, url, server };
}

async function stopNode(n: ApiNode): Promise<void> {
  n.server.closeAllConnections();
  await new Promise((r) => n.server.close(r));
  n.f.close();
}

beforeEach(async () => {
  store = new MemoryStore();
  a = await startNode('node-a');
  b = await startNode('node-b');
});
afterEach(async () => {
  await stopNode(a);
  await stopNode(b);
});

/** A live call that node A runs (its engine knows it; the shared store says node-a). */
async function callOnA(): Promise<string> {
  const rec = liveCall({ node_id: 'node-a' });
  await store.calls.put(rec);
  a.f.control.addCall(rec.call_uuid);
  return rec.call_uuid;
}

async function api(
  node: ApiNode,
  method: string,
  path: string,
  opts: { json?: unknown; form?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...AUTH, ...opts.headers };
  let body: string | undefined;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.form !== undefined) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = opts.form;
  }
  const res = await fetch(`${node.url}${BASE}${path}`, { method, headers, ...(body ? { body } : {}) });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
  const json: any = text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined;
  return { status: res.status, headers: res.headers, json, text };
}

describe('node B forwards to node A', () => {
  test('a live Speak (JSON) and Play (form) run on A; B`s engine is never asked; the forward is logged', async () => {
    const uuid = await callOnA();
    const speak = await api(b, 'POST', `/Call/${uuid}/Speak/`, {
      json: { text: 'Hello from B', voice: 'MAN' },
    });
    assert.equal(speak.status, 202, speak.text);
    assert.equal(speak.json.message, 'speak started');
    assert.equal(speak.headers.get('x-patchbay-forwarded-to'), 'node-a');
    assert.equal((a.f.control.last('speak')!.arg as SpeakRequest).text, 'Hello from B');
    assert.equal(a.f.control.last('speak')?.callUuid, uuid);

    const play = await api(b, 'POST', `/Call/${uuid}/Play/`, {
      form: 'urls=http%3A%2F%2F127.0.0.1%3A9%2Fa.wav&loop=true',
    });
    assert.equal(play.status, 202, play.text);
    assert.deepEqual((a.f.control.last('play')!.arg as PlayRequest).urls, ['http://127.0.0.1:9/a.wav']);
    assert.equal((a.f.control.last('play')!.arg as PlayRequest).loop, true);

    assert.deepEqual(b.f.control.invocations, []);
    const line = b.f.logged.find((l) => l.msg === 'api request forwarded');
    assert.equal(line?.node, 'node-a');
    assert.equal(line?.status, 202);
    assert.equal(typeof line?.ms, 'number');
  });

  test('every call command is carried out by A with A`s answer', async () => {
    const uuid = await callOnA();
    const c = `/Call/${uuid}`;
    const started = await api(b, 'POST', `${c}/Stream/`, { json: { service_url: 'ws://127.0.0.1:9/s' } });
    assert.equal(started.status, 202, started.text);
    const streamId: string = started.json.stream_id;
    const rec = await api(b, 'POST', `${c}/Record/`, { json: { file_format: 'wav' } });
    assert.equal(rec.status, 200, rec.text);
    const cases: [string, string, { json?: unknown }, number, string][] = [
      ['DELETE', `${c}/Play/`, {}, 204, 'stopPlay'],
      ['DELETE', `${c}/Speak/`, {}, 204, 'stopSpeak'],
      ['POST', `${c}/DTMF/`, { json: { digits: '12#' } }, 202, 'sendDigits'],
      ['DELETE', `${c}/Record/`, { json: { url: rec.json.url } }, 204, 'stopRecording'],
      ['GET', `${c}/Stream/?limit=1&offset=0`, {}, 200, 'listStreams'],
      ['GET', `${c}/Stream/${streamId}/`, {}, 200, 'listStreams'],
      ['DELETE', `${c}/Stream/${streamId}/`, {}, 204, 'stopStream'],
      ['DELETE', `${c}/Stream/`, {}, 204, 'stopStream'],
      ['POST', `${c}/`, { json: { legs: 'aleg', aleg_url: 'http://127.0.0.1:9/x' } }, 202, 'transfer'],
      ['DELETE', `${c}/`, {}, 204, 'hangup'],
    ];
    for (const [method, path, opts, status, op] of cases) {
      const before = a.f.control.invocations.length;
      const res = await api(b, method, path, opts);
      assert.equal(res.status, status, `${method} ${path}: ${res.text}`);
      assert.equal(res.headers.get('x-patchbay-forwarded-to'), 'node-a', `${method} ${path}`);
      const done = a.f.control.invocations.slice(before).map((i) => i.method);
      assert.ok(done.includes(op as never), `${method} ${path} ran ${op} on A (ran ${done.join(', ')})`);
    }
    const list = await api(a, 'GET', `${c}/Stream/`);
    assert.equal(list.status, 404, 'hung up on A through B');
    assert.deepEqual(b.f.control.invocations, []);
  });

  test('a queued request is cancelled on A through B (Request/{uuid}/)', async () => {
    const q = liveCall({ node_id: 'node-a', call_status: 'queued', answered_at: undefined });
    await store.calls.put(q);
    a.f.control.addCall(q.call_uuid);
    const res = await api(b, 'DELETE', `/Request/${q.request_uuid}/`);
    assert.equal(res.status, 204, res.text);
    assert.equal(a.f.control.last('cancelRequest')?.callUuid, q.request_uuid);
  });

  test('A`s refusals come back as A answered them (validation 400, unknown 404)', async () => {
    const uuid = await callOnA();
    const bad = await api(b, 'POST', `/Call/${uuid}/Play/`, { json: { urls: 'not a url' } });
    assert.equal(bad.status, 400);
    assert.ok(bad.json.details.urls);
    a.f.control.calls.delete(uuid); // the call ended on A; the store has not caught up yet
    const gone = await api(b, 'POST', `/Call/${uuid}/Speak/`, { json: { text: 'x' } });
    assert.equal(gone.status, 404);
    assert.equal(gone.json.error, 'Call not found');
  });

  test('a live GET, lists and calls B runs itself are answered by B', async () => {
    const uuid = await callOnA();
    const live = await api(b, 'GET', `/Call/${uuid}/?status=live`);
    assert.equal(live.status, 200);
    assert.equal(live.json.call_uuid, uuid);
    assert.equal(live.headers.get('x-patchbay-forwarded-to'), null);
    const mine = liveCall({ node_id: 'node-b' });
    await store.calls.put(mine);
    b.f.control.addCall(mine.call_uuid);
    assert.equal(
      (await api(b, 'POST', `/Call/${mine.call_uuid}/DTMF/`, { json: { digits: '1' } })).status,
      202,
    );
    assert.equal(b.f.control.last('sendDigits')?.callUuid, mine.call_uuid);
    assert.deepEqual(a.f.control.invocations, []);
  });

  test('credentials are checked by B before anything is forwarded', async () => {
    const uuid = await callOnA();
    const res = await api(b, 'POST', `/Call/${uuid}/Speak/`, {
      json: { text: 'x' },
      headers: { 'X-Auth-Token': 'wrong' },
    });
    assert.equal(res.status, 401);
    assert.deepEqual(a.f.control.invocations, []);
  });

  test('a recording stored on A: downloaded (no credentials) and deleted through B', async () => {
    const rec = recording({ node_id: 'node-a' });
    await store.recordings.add(rec);
    const file = a.f.files.path(rec.recording_id);
    const wav = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(20_000, 7)]);
    writeFileSync(file, wav);
    const dl = await fetch(`${b.url}${BASE}/Recording/${rec.recording_id}.wav`);
    assert.equal(dl.status, 200);
    assert.equal(dl.headers.get('content-type'), 'audio/wav');
    assert.equal(dl.headers.get('content-length'), String(wav.length));
    assert.deepEqual(Buffer.from(await dl.arrayBuffer()), wav);

    const del = await api(b, 'DELETE', `/Recording/${rec.recording_id}/`);
    assert.equal(del.status, 204, del.text);
    assert.equal(existsSync(file), false, 'A deleted its file');
    assert.equal(await store.recordings.get(rec.recording_id), undefined);
  });
});

describe('a recording download served here', () => {
  test('a file on this disk is served without asking the store; one elsewhere while the store is away is a 404', async () => {
    const rec = recording({ node_id: 'node-b' });
    writeFileSync(b.f.files.path(rec.recording_id), Buffer.from('RIFF-here'));
    store.recordings.get = async () => {
      throw new StoreError('UNAVAILABLE', 'store away');
    };
    const here = await fetch(`${b.url}${BASE}/Recording/${rec.recording_id}.wav`);
    assert.equal(here.status, 200);
    assert.equal(await here.text(), 'RIFF-here');
    const elsewhere = await fetch(`${b.url}${BASE}/Recording/${randomUUID()}.wav`);
    assert.equal(elsewhere.status, 404);
  });
});

describe('what cannot reach the owner is a 503 naming it', () => {
  test('the request was forwarded once already (loop guard)', async () => {
    const uuid = await callOnA();
    const res = await api(b, 'DELETE', `/Call/${uuid}/`, {
      headers: { 'X-Patchbay-Forwarded-By': 'node-c' },
    });
    assert.equal(res.status, 503);
    assert.equal(res.json.node_id, 'node-a');
    assert.match(res.json.message, /already forwarded/);
    assert.deepEqual(a.f.control.invocations, []);
  });

  test('two nodes that disagree about the owner stop after one hop', async () => {
    // The store says node-a, but node-a's registry entry points at node B itself.
    const uuid = await callOnA();
    await store.nodes.register({ node_id: 'node-a', api_url: b.url, started_at: new Date().toISOString() });
    const res = await api(b, 'POST', `/Call/${uuid}/Speak/`, { json: { text: 'x' } });
    assert.equal(res.status, 503);
    assert.match(res.json.message, /already forwarded by node node-b/);
  });

  test('the owner is not registered (a node that stopped)', async () => {
    const ghost = liveCall({ node_id: 'node-gone' });
    await store.calls.put(ghost);
    const res = await api(b, 'POST', `/Call/${ghost.call_uuid}/Speak/`, { json: { text: 'x' } });
    assert.equal(res.status, 503);
    assert.equal(res.json.node_id, 'node-gone');
    assert.match(res.json.message, /node-gone, which is not registered/);
  });

  test('the owner is registered but does not answer (crashed): the recording stays indexed', async () => {
    const rec = recording({ node_id: 'node-a' });
    await store.recordings.add(rec);
    await stopNode(a);
    const del = await api(b, 'DELETE', `/Recording/${rec.recording_id}/`);
    assert.equal(del.status, 503);
    assert.equal(del.json.node_id, 'node-a');
    assert.match(del.json.message, /recording .* is on node node-a, which could not be reached/);
    assert.ok(await store.recordings.get(rec.recording_id), 'not removed from the index');
    const dl = await fetch(`${b.url}${BASE}/Recording/${rec.recording_id}.wav`);
    assert.equal(dl.status, 503);
    a = await startNode('node-a'); // for afterEach
  });

  test('a call the store does not know is asked of the local engine (404)', async () => {
    const res = await api(b, 'POST', `/Call/${randomUUID()}/Speak/`, { json: { text: 'x' } });
    assert.equal(res.status, 404);
  });
});
