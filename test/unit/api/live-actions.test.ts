import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import request from 'supertest';
import {
  CallControlError,
  type DtmfRequest,
  type PlayRequest,
  type RecordRequest,
  type SpeakRequest,
} from '../../../src/callflow/call-control.ts';
import type { CallFlow } from '../../../src/callflow/call-flow.ts';
import { LiveCalls } from '../../../src/callflow/live-calls.ts';
import { LiveControl } from '../../../src/callflow/live-control.ts';
import type { OutboundCalls } from '../../../src/callflow/outbound-calls.ts';
import type { Call } from '../../../src/calls/call.ts';
import type { MediaEngine } from '../../../src/media/media-engine.ts';
import { MemoryStore } from '../../../src/store/memory-store.ts';
import { systemClock } from '../../../src/util/clock.ts';
import { silentLogger } from '../../../src/util/log.ts';
import type { WebhookClient } from '../../../src/webhooks/webhook-client.ts';
import { type ApiFixture, AUTH, apiFixture, BASE, liveCall, NODE_ID } from '../../helpers/api-fakes.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let f: ApiFixture;
beforeEach(() => {
  f = apiFixture();
});
afterEach(() => f.close());

describe('Play (spec 3.1)', () => {
  test('202 "play started"; comma-separated urls become a list; defaults legs aleg, loop false, mix true', async () => {
    const c = await f.addCall();
    const res = await request(f.app)
      .post(`${BASE}/Call/${c.call_uuid}/Play/`)
      .set(AUTH)
      .send({ urls: 'http://127.0.0.1:9/a.mp3, http://127.0.0.1:9/b.wav', length: '30' });
    assert.equal(res.status, 202);
    assert.match(res.body.api_id, UUID);
    assert.equal(res.body.message, 'play started');
    const req = f.control.last('play')?.arg as PlayRequest;
    assert.deepEqual(req, {
      urls: ['http://127.0.0.1:9/a.mp3', 'http://127.0.0.1:9/b.wav'],
      length: 30,
      legs: 'aleg',
      loop: false,
      mix: true,
    });
  });

  test('400 on missing or bad urls, bad legs, bad loop', async () => {
    const c = await f.addCall();
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'urls'],
      [{ urls: '' }, 'urls'],
      [{ urls: 'not a url' }, 'urls'],
      [{ urls: 'http://127.0.0.1:9/a.mp3', legs: 'cleg' }, 'legs'],
      [{ urls: 'http://127.0.0.1:9/a.mp3', loop: 'yes' }, 'loop'],
    ];
    for (const [body, field] of cases) {
      const res = await request(f.app).post(`${BASE}/Call/${c.call_uuid}/Play`).set(AUTH).send(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.ok(res.body.details[field], res.text);
    }
  });

  test('stop: 204 (also when nothing plays); unknown call 404', async () => {
    const c = await f.addCall();
    const res = await request(f.app).delete(`${BASE}/Call/${c.call_uuid}/Play/`).set(AUTH);
    assert.equal(res.status, 204);
    assert.equal(f.control.last('stopPlay')?.callUuid, c.call_uuid);
    const unknown = await request(f.app).delete(`${BASE}/Call/nope/Play`).set(AUTH);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, 'Call not found');
  });
});

describe('Speak (spec 3.2)', () => {
  test('202 "speak started" with defaults WOMAN / en-US', async () => {
    const c = await f.addCall();
    const res = await request(f.app)
      .post(`${BASE}/Call/${c.call_uuid}/Speak/`)
      .set(AUTH)
      .send({ text: 'Hello there', mix: 'false' });
    assert.equal(res.status, 202);
    assert.equal(res.body.message, 'speak started');
    assert.deepEqual(f.control.last('speak')?.arg as SpeakRequest, {
      text: 'Hello there',
      voice: 'WOMAN',
      language: 'en-US',
      legs: 'aleg',
      loop: false,
      mix: false,
    });
  });

  test('400 on empty text, an unsupported language or voice', async () => {
    const c = await f.addCall();
    for (const [body, field] of [
      [{ text: '   ' }, 'text'],
      [{ text: 'hi', language: 'xx-XX' }, 'language'],
      [{ text: 'hi', voice: 'ROBOT' }, 'voice'],
    ] as const) {
      const res = await request(f.app).post(`${BASE}/Call/${c.call_uuid}/Speak/`).set(AUTH).send(body);
      assert.equal(res.status, 400);
      assert.ok(res.body.details[field], res.text);
    }
  });

  test('stop: 204; a queued call is a 404 (actions need a call in progress)', async () => {
    const c = await f.addCall();
    assert.equal((await request(f.app).delete(`${BASE}/Call/${c.call_uuid}/Speak`).set(AUTH)).status, 204);
    const q = await f.addCall({ call_status: 'queued', answered_at: undefined });
    assert.equal((await request(f.app).delete(`${BASE}/Call/${q.call_uuid}/Speak/`).set(AUTH)).status, 404);
    const speak = await request(f.app)
      .post(`${BASE}/Call/${q.call_uuid}/Speak/`)
      .set(AUTH)
      .send({ text: 'x' });
    assert.equal(speak.status, 404);
    assert.equal(f.control.last('speak'), undefined);
  });
});

describe('DTMF (spec 3.3)', () => {
  test('202 "digits sent"; `leg`, or the Go SDK`s `legs`; `leg` wins', async () => {
    const c = await f.addCall();
    const url = `${BASE}/Call/${c.call_uuid}/DTMF/`;
    const a = await request(f.app).post(url).set(AUTH).send({ digits: '1w2W3#' });
    assert.equal(a.status, 202);
    assert.equal(a.body.message, 'digits sent');
    assert.deepEqual(f.control.last('sendDigits')?.arg as DtmfRequest, { digits: '1w2W3#', leg: 'aleg' });
    await request(f.app).post(url).set(AUTH).send({ digits: '9', legs: 'bleg' });
    assert.equal((f.control.last('sendDigits')?.arg as DtmfRequest | undefined)?.leg, 'bleg');
    await request(f.app).post(url).set(AUTH).send({ digits: '9', leg: 'both', legs: 'bleg' });
    assert.equal((f.control.last('sendDigits')?.arg as DtmfRequest | undefined)?.leg, 'both');
  });

  test('400 on bad digits naming digits', async () => {
    const c = await f.addCall();
    for (const digits of [undefined, '', '12a', '1 2']) {
      const res = await request(f.app).post(`${BASE}/Call/${c.call_uuid}/DTMF`).set(AUTH).send({ digits });
      assert.equal(res.status, 400);
      assert.ok(res.body.details.digits, res.text);
    }
  });

  test('405 for GET, with Allow', async () => {
    const res = await request(f.app).get(`${BASE}/Call/x/DTMF/`).set(AUTH);
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, 'POST');
    assert.equal(res.body.error, 'method not allowed');
  });
});

describe('Record (spec 3.4)', () => {
  test('start with no body: 200 with recording_id and url; defaults 60 s, mp3, mono', async () => {
    const c = await f.addCall();
    const res = await request(f.app).post(`${BASE}/Call/${c.call_uuid}/Record/`).set(AUTH);
    assert.equal(res.status, 200);
    assert.equal(res.body.message, 'recording started');
    assert.match(res.body.recording_id, UUID);
    assert.match(res.body.url, new RegExp(`${res.body.recording_id}\\.wav$`));
    const req = f.control.last('startRecording')?.arg as RecordRequest;
    assert.equal(req.timeLimit, 60);
    assert.equal(req.fileFormat, 'mp3');
    assert.equal(req.channels, 'mono');
    assert.equal(req.callbackMethod, 'POST');
  });

  test('start with options; 400 on a bad file_format', async () => {
    const c = await f.addCall();
    const ok = await request(f.app).post(`${BASE}/Call/${c.call_uuid}/Record`).set(AUTH).send({
      time_limit: '120',
      file_format: 'wav',
      record_channel_type: 'stereo',
      callback_url: 'http://127.0.0.1:9/cb',
    });
    assert.equal(ok.status, 200);
    const req = f.control.last('startRecording')?.arg as RecordRequest;
    assert.equal(req.timeLimit, 120);
    assert.equal(req.fileFormat, 'wav');
    assert.equal(req.channels, 'stereo');
    assert.equal(req.callbackUrl, 'http://127.0.0.1:9/cb');
    const bad = await request(f.app)
      .post(`${BASE}/Call/${c.call_uuid}/Record/`)
      .set(AUTH)
      .send({ file_format: 'ogg' });
    assert.equal(bad.status, 400);
    assert.ok(bad.body.details.file_format);
  });

  test('stop by `URL` or `url`, or all; an unknown URL on a known call is "Recording not found"', async () => {
    const c = await f.addCall();
    const url = `${BASE}/Call/${c.call_uuid}/Record/`;
    const one = (await request(f.app).post(url).set(AUTH)).body.url as string;
    const two = (await request(f.app).post(url).set(AUTH)).body.url as string;
    assert.equal((await request(f.app).delete(url).set(AUTH).send({ URL: one })).status, 204);
    assert.equal(f.control.last('stopRecording')?.arg, one);
    assert.equal((await request(f.app).delete(url).set(AUTH).send({ url: two })).status, 204);
    assert.equal(f.control.last('stopRecording')?.arg, two);
    const gone = await request(f.app).delete(url).set(AUTH).send({ url: two });
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error, 'Recording not found');
    assert.equal((await request(f.app).delete(url.slice(0, -1)).set(AUTH)).status, 204);
    assert.equal(f.control.last('stopRecording')?.arg, undefined, 'no URL: stop all');
    assert.equal((await request(f.app).delete(`${BASE}/Call/nope/Record/`).set(AUTH)).status, 404);
  });
});

describe('engine refusals and other nodes on live actions', () => {
  test('NOT_IMPLEMENTED 501, BUSY 429, UNAVAILABLE 503, BAD_REQUEST 400', async () => {
    const c = await f.addCall();
    for (const [code, status] of [
      ['NOT_IMPLEMENTED', 501],
      ['BUSY', 429],
      ['UNAVAILABLE', 503],
      ['BAD_REQUEST', 400],
    ] as const) {
      f.control.failNext(code, `no: ${code}`);
      const res = await request(f.app)
        .post(`${BASE}/Call/${c.call_uuid}/Play/`)
        .set(AUTH)
        .send({ urls: 'http://127.0.0.1:9/a.mp3' });
      assert.equal(res.status, status);
      assert.equal(res.body.message, `no: ${code}`);
    }
  });

  test('a call on another node that is not registered: 503 naming it, for every action', async () => {
    const c = await f.addCall({ node_id: 'node-z' });
    const base = `${BASE}/Call/${c.call_uuid}`;
    const calls = [
      request(f.app).post(`${base}/Play/`).set(AUTH).send({ urls: 'http://127.0.0.1:9/a.mp3' }),
      request(f.app).delete(`${base}/Play/`).set(AUTH),
      request(f.app).post(`${base}/Speak/`).set(AUTH).send({ text: 'x' }),
      request(f.app).post(`${base}/DTMF/`).set(AUTH).send({ digits: '1' }),
      request(f.app).post(`${base}/Record/`).set(AUTH),
      request(f.app).delete(`${base}/Record/`).set(AUTH),
      request(f.app).post(`${base}/`).set(AUTH).send({ aleg_url: 'http://127.0.0.1:9/x' }),
    ];
    for (const res of await Promise.all(calls)) {
      assert.equal(res.status, 503, res.text);
      assert.equal(res.body.node_id, 'node-z');
    }
    assert.equal(f.control.invocations.length, 0);
  });

  test('401 without credentials on an action', async () => {
    const c = await f.addCall();
    const res = await request(f.app).post(`${BASE}/Call/${c.call_uuid}/Speak/`).send({ text: 'x' });
    assert.equal(res.status, 401);
    assert.equal(f.control.last('speak'), undefined);
  });
});

describe('transfer through the real LiveControl (spec 2.9, legs=bleg|both)', () => {
  /** The API over a LiveControl whose only call has (or not) a Dial B-leg to hand over. */
  function wired(hasBLeg: boolean) {
    const live = new LiveCalls(new MemoryStore(), NODE_ID, silentLogger);
    const moved: string[] = [];
    const uuid = '11111111-2222-4333-8444-555555555555';
    const entry = live.add(liveCall({ call_uuid: uuid }));
    entry.call = { uuid, answered: true, end: undefined } as unknown as Call;
    entry.flow = {
      application: {},
      transfer: (url: string) => moved.push(`aleg ${url}`) > 0,
    } as unknown as CallFlow;
    const outbound = {
      bLegs: {
        start: (_call: Call, _app: unknown, doc: { url: string; method: string }) => {
          if (!hasBLeg)
            throw new CallControlError(
              'BAD_REQUEST',
              'legs: the call has no connected B-leg (no <Dial> of it is bridged now)',
            );
          moved.push(`bleg ${doc.method} ${doc.url}`);
          return 'b-uuid';
        },
      },
    } as unknown as OutboundCalls;
    const control = new LiveControl({
      live,
      outbound,
      engine: {} as MediaEngine,
      recordings: { allocate: () => assert.fail('no recordings') },
      webhooks: {} as WebhookClient,
      clock: systemClock,
      log: silentLogger,
    });
    const fx = apiFixture({ control });
    return { fx, uuid, moved };
  }

  test('bleg: 202 "call transferred" and the B-leg gets bleg_url; both: the B-leg, then the A-leg', async () => {
    const { fx, uuid, moved } = wired(true);
    await fx.addCall({ call_uuid: uuid });
    const url = `${BASE}/Call/${uuid}/`;
    const res = await request(fx.app)
      .post(url)
      .set(AUTH)
      .send({ legs: 'bleg', bleg_url: 'http://127.0.0.1:9/b' });
    assert.equal(res.status, 202, res.text);
    assert.equal(res.body.message, 'call transferred');
    assert.equal(res.body.call_uuid, uuid);
    const both = await request(fx.app).post(url).set(AUTH).send({
      legs: 'both',
      aleg_url: 'http://127.0.0.1:9/a',
      bleg_url: 'http://127.0.0.1:9/b2',
      bleg_method: 'GET',
    });
    assert.equal(both.status, 202, both.text);
    assert.deepEqual(moved, [
      'bleg POST http://127.0.0.1:9/b',
      'bleg GET http://127.0.0.1:9/b2',
      'aleg http://127.0.0.1:9/a',
    ]);
    fx.close();
  });

  test('bleg on a call with no connected B-leg: 400 saying so (not 501 any more); the A-leg stays', async () => {
    const { fx, uuid, moved } = wired(false);
    await fx.addCall({ call_uuid: uuid });
    for (const body of [
      { legs: 'bleg', bleg_url: 'http://127.0.0.1:9/b' },
      { legs: 'both', aleg_url: 'http://127.0.0.1:9/a', bleg_url: 'http://127.0.0.1:9/b' },
    ]) {
      const res = await request(fx.app).post(`${BASE}/Call/${uuid}/`).set(AUTH).send(body);
      assert.equal(res.status, 400, res.text);
      assert.match(res.body.message, /no connected B-leg/);
    }
    assert.deepEqual(moved, []);
    fx.close();
  });
});
