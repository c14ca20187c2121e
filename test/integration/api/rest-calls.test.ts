/**
 * The REST API end to end over real HTTP, against SIPp callees: POST a call, SIPp answers,
 * the answer URL runs with Direction=outbound, GET finds it live, DELETE hangs it up (SIPp
 * gets the BYE), the hangup URL gets the cause, and the CDR and the Call record are there.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocketServer } from 'ws';
import type { LocalMediaEngine } from '../../../src/media/local/local-engine.ts';
import { UserAgent } from '../../../src/sip/ua/user-agent.ts';
import { testEngine } from '../../helpers/media-lab.ts';
import { AUTH_ID, AUTH_TOKEN, callIn, doc, type Lab, startLab } from '../../helpers/patchbay-lab.ts';
import { type RedisServer, startRedisServer } from '../../helpers/redis-server.ts';
import { freePort, runSipp, type SippRun } from '../../helpers/sipp.ts';
import { loopbackOnly } from '../../helpers/test-uas.ts';

/** A JSON body as the tests read it: any field, checked by the assertions. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;

describe('REST API over a live Patchbay', () => {
  let lab: Lab;
  let base: string;

  before(async () => {
    lab = await startLab();
    base = `${lab.pb.http.origin}/api/v1/Account/${AUTH_ID}`;
  });
  after(async () => {
    await lab?.close();
  });

  async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        'X-Auth-ID': AUTH_ID,
        'X-Auth-Token': AUTH_TOKEN,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  }

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

describe('applications route inbound calls; two nodes share Redis', () => {
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

  const call = (lab: Lab) => async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${lab.pb.http.origin}/api/v1/Account/${AUTH_ID}${path}`, {
      method,
      headers: { 'X-Auth-ID': AUTH_ID, 'X-Auth-Token': AUTH_TOKEN, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : undefined) as Json };
  };

  test('an application created on node B answers a call to its number on node A; B sees the live call', async () => {
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

    const done = callIn(ua, engine, `sip:+4930555123@${a.sip}`, { hangupAfterMs: 2500 });
    const answer = await a.hooks.waitFor('/app-answer');
    const uuid = answer.params.CallUUID;
    assert.equal(answer.params.To, '4930555123');
    // Node B reads node A's live call from Redis, and knows it cannot steer it itself.
    let live = await apiB('GET', `/Call/${uuid}/?status=live`);
    for (let i = 0; i < 50 && live.status !== 200; i++) {
      await sleep(40);
      live = await apiB('GET', `/Call/${uuid}/?status=live`);
    }
    assert.equal(live.status, 200, JSON.stringify(live.json));
    assert.equal(live.json.direction, 'inbound');
    const steer = await apiB('DELETE', `/Call/${uuid}/`);
    assert.equal(steer.status, 503);
    assert.match(JSON.stringify(steer.json), /node-a/);
    assert.equal(await done, 200);
    await a.assertIdle();
    let cdr = await apiB('GET', `/cdr/${uuid}`);
    for (let i = 0; i < 50 && cdr.status !== 200; i++) {
      await sleep(40);
      cdr = await apiB('GET', `/cdr/${uuid}`);
    }
    assert.equal(cdr.status, 200);
    assert.equal(cdr.json.data.call_direction, 'inbound');
    assert.equal(cdr.json.data.hangup_source, 'Caller');
    // An application still attached to a number cannot be deleted (409), detached it can.
    assert.equal((await apiA('DELETE', `/Application/${appId}/`)).status, 409);
    assert.equal(
      (await apiA('DELETE', `/numbers/${encodeURIComponent('+4930555123')}/application`)).status,
      204,
    );
    assert.equal((await apiA('DELETE', `/Application/${appId}/`)).status, 204);
  });
});
