/**
 * The REST API end to end over real HTTP, against SIPp callees: POST a call, SIPp answers,
 * the answer URL runs with Direction=outbound, GET finds it live, DELETE hangs it up (SIPp
 * gets the BYE), the hangup URL gets the cause, and the CDR and the Call record are there.
 * Then two nodes on one Redis: commands sent to node B for node A's calls and recordings are
 * forwarded to node A (DESIGN 3), and what cannot reach its owner is a 503 naming it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocketServer } from 'ws';
import { decodeAudio } from '../../../src/media/audio/decode.ts';
import type { LocalMediaEngine } from '../../../src/media/local/local-engine.ts';
import { UserAgent } from '../../../src/sip/ua/user-agent.ts';
import { rms } from '../../helpers/audio.ts';
import { testEngine } from '../../helpers/media-lab.ts';
import { AUTH_ID, AUTH_TOKEN, callIn, doc, type Lab, startLab } from '../../helpers/patchbay-lab.ts';
import { type RedisServer, startRedisServer } from '../../helpers/redis-server.ts';
import { type Json, restClient } from '../../helpers/rest-client.ts';
import { freePort, runSipp, type SippRun } from '../../helpers/sipp.ts';
import { loopbackOnly } from '../../helpers/test-uas.ts';

/** A SIPp callee running `scenario` (one call) on a free loopback port. */
async function callee(scenario: string): Promise<{ uri: string; run: SippRun }> {
  const port = await freePort();
  const run = runSipp({
    scenario,
    port,
    calls: 1,
    extra: ['-mi', '127.0.0.1', '-mp', String(2 * Math.floor((await freePort()) / 2))],
    timeoutSec: 30,
  });
  await run.ready;
  return { uri: `sip:callee@127.0.0.1:${port}`, run };
}

describe('REST API over a live Patchbay', () => {
  let lab: Lab;

  before(async () => {
    lab = await startLab();
  });
  after(async () => {
    await lab?.close();
  });

  const api = restClient(() => lab.pb.http.origin, AUTH_ID, AUTH_TOKEN);

  test('POST Call -> SIPp answers -> Direction=outbound -> GET live -> DELETE -> BYE -> hangup_url, CDR', async () => {
    const b = await callee('uas-answer.xml');
    lab.hooks.xml('/rest-answer', doc('<Speak>Hello from the API.</Speak><Wait length="20"/>'));
    lab.hooks.route('/rest-hangup', () => ({ status: 200, body: '' }));
    const made = await api('POST', '/Call/', {
      from: '+14155550100',
      to: b.uri,
      answer_url: lab.hooks.url('/rest-answer'),
      hangup_url: lab.hooks.url('/rest-hangup'),
      time_limit: '600',
    });
    assert.equal(made.status, 200, JSON.stringify(made.json));
    assert.equal(made.json.message, 'Call fired');
    const uuid: string = made.json.request_uuid;
    assert.match(uuid, /^[0-9a-f-]{36}$/);

    const answer = await lab.hooks.waitFor('/rest-answer', { where: (r) => r.params.CallUUID === uuid });
    assert.equal(answer.params.Direction, 'outbound');
    assert.equal(answer.params.Event, 'StartApp');
    assert.equal(answer.params.From, '14155550100');

    const live = await api('GET', `/Call/${uuid}/?status=live`);
    assert.equal(live.status, 200);
    assert.equal(live.json.call_uuid, uuid);
    assert.equal(live.json.call_status, 'in-progress');
    assert.equal(live.json.direction, 'outbound');
    const list = await api('GET', '/Call/?status=live');
    assert.ok(list.json.calls.includes(uuid));

    const speak = await api('POST', `/Call/${uuid}/Speak/`, { text: 'A live announcement.' });
    assert.equal(speak.status, 202);
    const dtmf = await api('POST', `/Call/${uuid}/DTMF/`, { digits: '12' });
    assert.equal(dtmf.status, 202);

    const del = await api('DELETE', `/Call/${uuid}/`);
    assert.equal(del.status, 204);
    // SIPp's scenario ends only after it received our BYE and answered it.
    assert.equal((await b.run.done).code, 0);
    const hangup = await lab.hooks.waitFor('/rest-hangup', { where: (r) => r.params.CallUUID === uuid });
    assert.equal(hangup.params.HangupSource, 'API Request');
    assert.equal(hangup.params.HangupCause, 'NORMAL_CLEARING');
    await lab.assertIdle();

    assert.equal((await api('GET', `/Call/${uuid}/?status=live`)).status, 404);
    const record = await api('GET', `/Call/${uuid}/`);
    assert.equal(record.status, 200);
    assert.equal(record.json.call_uuid, uuid);
    assert.equal(record.json.hangup_source, 'API Request');
    assert.equal(record.json.call_direction, 'outbound');
    const cdr = await api('GET', `/cdr/${uuid}`);
    assert.equal(cdr.status, 200);
    assert.equal(cdr.json.data.uuid, uuid);
    assert.equal(cdr.json.data.hangup_disposition, 'send_bye');
  });

  test('a stream started through the API connects, is listed, and stops', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    const port = (wss.address() as AddressInfo).port;
    const events: Json[] = [];
    let closed!: () => void;
    const socketClosed = new Promise<void>((r) => {
      closed = r;
    });
    wss.on('connection', (ws) => {
      ws.on('message', (m) => events.push(JSON.parse(String(m))));
      ws.on('close', () => closed());
    });
    const b = await callee('uas-answer.xml');
    lab.hooks.xml('/rest-answer3', doc('<Wait length="20"/>'));
    const made = await api('POST', '/Call/', {
      from: '14155550100',
      to: b.uri,
      answer_url: lab.hooks.url('/rest-answer3'),
    });
    const uuid: string = made.json.request_uuid;
    await lab.hooks.waitFor('/rest-answer3', { where: (r) => r.params.CallUUID === uuid });
    const started = await api('POST', `/Call/${uuid}/Stream/`, {
      service_url: `ws://127.0.0.1:${port}/agent`,
      content_type: 'audio/x-mulaw;rate=8000',
    });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const streamId: string = started.json.stream_id;
    for (let i = 0; i < 100 && !events.some((e) => e.event === 'media'); i++) await sleep(20);
    const start = events.find((e) => e.event === 'start');
    assert.equal(start?.start?.callId, uuid);
    assert.ok(
      events.some((e) => e.event === 'media'),
      'media frames flow',
    );
    const list = await api('GET', `/Call/${uuid}/Stream/`);
    assert.equal(list.status, 200);
    assert.ok(list.json.objects.some((o: Json) => o.stream_id === streamId));
    assert.equal((await api('DELETE', `/Call/${uuid}/Stream/${streamId}/`)).status, 204);
    await socketClosed;
    assert.equal((await api('DELETE', `/Call/${uuid}/`)).status, 204);
    assert.equal((await b.run.done).code, 0);
    await lab.assertIdle();
    wss.close();
  });

  test('a live Record through the API downloads as a WAV file; the recording is listed', async () => {
    const b = await callee('uas-answer.xml');
    lab.hooks.xml('/rest-answer2', doc('<Speak loop="0">Recording in progress.</Speak>'));
    const made = await api('POST', '/Call/', {
      from: '14155550100',
      to: b.uri,
      answer_url: lab.hooks.url('/rest-answer2'),
    });
    const uuid: string = made.json.request_uuid;
    await lab.hooks.waitFor('/rest-answer2', { where: (r) => r.params.CallUUID === uuid });
    const rec = await api('POST', `/Call/${uuid}/Record/`, { file_format: 'wav' });
    assert.equal(rec.status, 200, JSON.stringify(rec.json));
    assert.ok(rec.json.recording_id);
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal((await api('DELETE', `/Call/${uuid}/Record/`, {})).status, 204);
    let listed: Json;
    for (let i = 0; i < 50 && !listed; i++) {
      const page = await api('GET', `/Recording/?call_uuid=${uuid}`);
      listed = page.json.objects?.[0];
      if (!listed) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(listed?.recording_id, rec.json.recording_id);
    const wav = await fetch(rec.json.url);
    assert.equal(wav.status, 200);
    const bytes = Buffer.from(await wav.arrayBuffer());
    assert.equal(bytes.subarray(0, 4).toString('latin1'), 'RIFF');
    assert.ok(bytes.length > 8000, `${bytes.length} bytes`);
    assert.equal((await api('DELETE', `/Call/${uuid}/`)).status, 204);
    assert.equal((await b.run.done).code, 0);
    await lab.assertIdle();
  });
});

describe('applications route inbound calls; two nodes share Redis and forward commands', () => {
  let redis: RedisServer;
  let a: Lab;
  let b: Lab;
  let ua: UserAgent;
  let engine: LocalMediaEngine;

  before(async () => {
    redis = await startRedisServer();
    a = await startLab({ env: { PATCHBAY_REDIS_URL: redis.url, PATCHBAY_NODE_ID: 'node-a' } });
    b = await startLab({ env: { PATCHBAY_REDIS_URL: redis.url, PATCHBAY_NODE_ID: 'node-b' } });
    ua = await UserAgent.start({ listen: ['udp:127.0.0.1:0'], egress: loopbackOnly });
    engine = testEngine();
  });
  after(async () => {
    await ua?.close();
    await engine?.close();
    await a?.close();
    await b?.close();
    await redis?.close();
  });

  const call =
    (lab: Lab, extraHeaders: Record<string, string> = {}) =>
    async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${lab.pb.http.origin}/api/v1/Account/${AUTH_ID}${path}`, {
        method,
        headers: {
          'X-Auth-ID': AUTH_ID,
          'X-Auth-Token': AUTH_TOKEN,
          'Content-Type': 'application/json',
          ...extraHeaders,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return {
        status: res.status,
        json: (text ? JSON.parse(text) : undefined) as Json,
        forwardedTo: res.headers.get('x-patchbay-forwarded-to'),
      };
    };

  test('an application created on node B answers a call to its number on node A; B sees it and hangs it up', async () => {
    const apiA = call(a);
    const apiB = call(b);
    a.hooks.route('/app-answer', () => ({
      status: 200,
      contentType: 'application/xml',
      body: doc('<Speak>Application answer.</Speak><Wait length="3"/>'),
    }));
    const created = await apiB('POST', '/Application/', {
      app_name: 'support-line',
      answer_url: a.hooks.url('/app-answer'),
      answer_method: 'POST',
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const appId: string = created.json.app_id;
    const attached = await apiB('POST', `/numbers/${encodeURIComponent('+4930555123')}/application`, {
      application_id: appId,
    });
    assert.equal(attached.status, 200, JSON.stringify(attached.json));

    // The caller waits for Patchbay's BYE: the document alone would end the call after 3 s.
    const done = callIn(ua, engine, `sip:+4930555123@${a.sip}`);
    const answer = await a.hooks.waitFor('/app-answer');
    const uuid = answer.params.CallUUID;
    assert.equal(answer.params.To, '4930555123');
    // Node B reads node A's live call from Redis, and forwards the hangup to node A.
    let live = await apiB('GET', `/Call/${uuid}/?status=live`);
    for (let i = 0; i < 50 && live.status !== 200; i++) {
      await sleep(40);
      live = await apiB('GET', `/Call/${uuid}/?status=live`);
    }
    assert.equal(live.status, 200, JSON.stringify(live.json));
    assert.equal(live.json.direction, 'inbound');
    const steer = await apiB('DELETE', `/Call/${uuid}/`);
    assert.equal(steer.status, 204, JSON.stringify(steer.json));
    assert.equal(steer.forwardedTo, 'node-a');
    assert.equal(await done, 200);
    await a.assertIdle();
    let cdr = await apiB('GET', `/cdr/${uuid}`);
    for (let i = 0; i < 50 && cdr.status !== 200; i++) {
      await sleep(40);
      cdr = await apiB('GET', `/cdr/${uuid}`);
    }
    assert.equal(cdr.status, 200);
    assert.equal(cdr.json.data.call_direction, 'inbound');
    assert.equal(cdr.json.data.hangup_source, 'API Request', 'ended by the DELETE sent to node B');
    // An application still attached to a number cannot be deleted (409), detached it can.
    assert.equal((await apiA('DELETE', `/Application/${appId}/`)).status, 409);
    assert.equal(
      (await apiA('DELETE', `/numbers/${encodeURIComponent('+4930555123')}/application`)).status,
      204,
    );
    assert.equal((await apiA('DELETE', `/Application/${appId}/`)).status, 204);
  });

  test('node B steers a call that node A placed to SIPp: Record, Speak, download, hangup all run on A', async () => {
    const apiA = call(a);
    const apiB = call(b);
    const sipp = await callee('uas-answer.xml');
    a.hooks.xml('/fwd-answer', doc('<Wait length="20"/>'));
    a.hooks.route('/fwd-hangup', () => ({ status: 200, body: '' }));
    const made = await apiA('POST', '/Call/', {
      from: '14155550100',
      to: sipp.uri,
      answer_url: a.hooks.url('/fwd-answer'),
      hangup_url: a.hooks.url('/fwd-hangup'),
    });
    assert.equal(made.status, 200, JSON.stringify(made.json));
    const uuid: string = made.json.request_uuid;
    await a.hooks.waitFor('/fwd-answer', { where: (r) => r.params.CallUUID === uuid });

    // Through node B: record what the callee hears, speak to it, stop the recording.
    const rec = await apiB('POST', `/Call/${uuid}/Record/`, { file_format: 'wav' });
    assert.equal(rec.status, 200, JSON.stringify(rec.json));
    assert.equal(rec.forwardedTo, 'node-a');
    assert.ok(rec.json.url.startsWith(a.pb.http.origin), 'the file is node A`s');
    const speak = await apiB('POST', `/Call/${uuid}/Speak/`, { text: 'Forwarded from node B.' });
    assert.equal(speak.status, 202, JSON.stringify(speak.json));
    assert.equal(speak.forwardedTo, 'node-a');
    const streams = await apiB('GET', `/Call/${uuid}/Stream/?limit=5`);
    assert.equal(streams.status, 200);
    assert.equal(streams.json.per_page, 5, 'the query went along');
    await sleep(1500);
    assert.equal((await apiB('DELETE', `/Call/${uuid}/Record/`, {})).status, 204);

    // A request that was forwarded once already is not forwarded again.
    const looped = await call(b, { 'X-Patchbay-Forwarded-By': 'node-x' })('DELETE', `/Call/${uuid}/`);
    assert.equal(looped.status, 503);
    assert.equal(looped.json.node_id, 'node-a');

    // The recording's file is on node A; node B serves it by forwarding (no credentials needed).
    let listed: Json;
    for (let i = 0; i < 50 && !listed; i++) {
      listed = (await apiB('GET', `/Recording/?call_uuid=${uuid}`)).json.objects?.[0];
      if (!listed) await sleep(50);
    }
    assert.equal(listed?.recording_id, rec.json.recording_id);
    const wav = await fetch(
      `${b.pb.http.origin}/api/v1/Account/${AUTH_ID}/Recording/${listed.recording_id}.wav`,
    );
    assert.equal(wav.status, 200);
    assert.equal(wav.headers.get('content-type'), 'audio/wav');
    assert.equal(wav.headers.get('x-patchbay-forwarded-to'), 'node-a');
    const pcm = await decodeAudio(Buffer.from(await wav.arrayBuffer()));
    assert.ok(pcm.length > 8000, `${pcm.length} samples`);
    assert.ok(
      rms(pcm) > 300,
      `the Speak sent through node B is in the recording (rms ${rms(pcm).toFixed(1)})`,
    );

    // Hang up through node B: SIPp gets node A's BYE.
    const del = await apiB('DELETE', `/Call/${uuid}/`);
    assert.equal(del.status, 204, JSON.stringify(del.json));
    assert.equal((await sipp.run.done).code, 0);
    const hangup = await a.hooks.waitFor('/fwd-hangup', { where: (r) => r.params.CallUUID === uuid });
    assert.equal(hangup.params.HangupSource, 'API Request');
    await a.assertIdle();
    await b.assertIdle();
    // Deleted through node B: gone from the index and from node A's disk.
    assert.equal((await apiB('DELETE', `/Recording/${listed.recording_id}/`)).status, 204);
    assert.equal((await apiA('GET', `/Recording/${listed.recording_id}/`)).status, 404);
    assert.equal(existsSync(join(a.dataDir, 'recordings', `${listed.recording_id}.wav`)), false);
  });

  test('each node is in the registry at its API URL; a stopped node leaves it; dead owners are a 503', async () => {
    const apiB = call(b);
    assert.equal((await b.pb.store.nodes.get('node-a'))?.api_url, a.pb.http.origin);
    assert.equal((await a.pb.store.nodes.get('node-b'))?.api_url, b.pb.http.origin);
    const c = await startLab({ env: { PATCHBAY_REDIS_URL: redis.url, PATCHBAY_NODE_ID: 'node-c' } });
    assert.equal((await b.pb.store.nodes.get('node-c'))?.api_url, c.pb.http.origin);
    await c.close();
    assert.equal(await b.pb.store.nodes.get('node-c'), undefined, 'a clean shutdown removes it');
    assert.deepEqual((await b.pb.store.nodes.list()).map((n) => n.node_id).sort(), ['node-a', 'node-b']);

    // A call of node C (stopped, its call record not yet expired): not registered.
    const started = new Date().toISOString();
    const orphan = {
      call_uuid: randomUUID(),
      request_uuid: randomUUID(),
      direction: 'inbound' as const,
      from: '100',
      to: '200',
      caller_name: '',
      call_status: 'in-progress' as const,
      initiated_at: started,
      answered_at: started,
      node_id: 'node-c',
    };
    await b.pb.store.calls.put(orphan);
    const gone = await apiB('POST', `/Call/${orphan.call_uuid}/Speak/`, { text: 'anyone there?' });
    assert.equal(gone.status, 503);
    assert.equal(gone.json.node_id, 'node-c');
    assert.match(gone.json.message, /not registered/);

    // A crashed node D: still registered, nothing listens at its URL.
    const deadPort = await freePort();
    await b.pb.store.nodes.register({
      node_id: 'node-d',
      api_url: `http://127.0.0.1:${deadPort}`,
      started_at: started,
    });
    const crashed = { ...orphan, call_uuid: randomUUID(), node_id: 'node-d' };
    await b.pb.store.calls.put(crashed);
    const t0 = Date.now();
    const refused = await apiB('DELETE', `/Call/${crashed.call_uuid}/`);
    assert.equal(refused.status, 503);
    assert.equal(refused.json.node_id, 'node-d');
    assert.match(refused.json.message, /could not be reached/);
    assert.ok(Date.now() - t0 < 5000);
    await b.pb.store.calls.remove(orphan.call_uuid);
    await b.pb.store.calls.remove(crashed.call_uuid);
    await b.pb.store.nodes.remove('node-d');
  });
});
