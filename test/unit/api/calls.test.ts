import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import request from 'supertest';
import type { MakeCallRequest, TransferRequest } from '../../../src/callflow/call-control.ts';
import { type ApiFixture, AUTH, apiFixture, BASE } from '../../helpers/api-fakes.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CALL = { from: '+14155550100', to: '14155550199', answer_url: 'http://127.0.0.1:9/answer' };

let f: ApiFixture;
beforeEach(() => {
  f = apiFixture();
});
afterEach(() => f.close());

function madeCall(): MakeCallRequest {
  const req = f.control.last('makeCall')?.arg;
  assert.ok(req, 'makeCall was invoked');
  return req as MakeCallRequest;
}

describe('POST Call/ (make a call, spec 2.1)', () => {
  test('one destination: 200 "Call fired" with request_uuid a string; defaults filled in', async () => {
    const res = await request(f.app).post(`${BASE}/Call/`).set(AUTH).send(CALL);
    assert.equal(res.status, 200);
    assert.match(res.body.api_id, UUID);
    assert.equal(res.body.message, 'Call fired');
    assert.equal(typeof res.body.request_uuid, 'string');
    assert.deepEqual(Object.keys(res.body), ['api_id', 'message', 'request_uuid']);
    const req = madeCall();
    assert.deepEqual(req.to, ['14155550199']);
    assert.equal(req.from, '+14155550100');
    assert.equal(req.answerUrl, CALL.answer_url);
    assert.equal(req.answerMethod, 'POST');
    assert.equal(req.timeLimit, 14400);
    assert.equal(req.ringTimeout, 120);
    assert.equal(req.sendOnPreanswer, false);
    assert.deepEqual(req.sipHeaders, {});
    assert.equal(req.sourceIp, '127.0.0.1');
  });

  test('several destinations joined with <: request_uuid is an array, one per destination', async () => {
    const res = await request(f.app)
      .post(`${BASE}/Call`)
      .set(AUTH)
      .send({ ...CALL, to: '14155550199< 14155550198<sip:alice@127.0.0.1:5070' });
    assert.equal(res.status, 200);
    assert.ok(Array.isArray(res.body.request_uuid));
    assert.equal(res.body.request_uuid.length, 3);
    assert.deepEqual(madeCall().to, ['14155550199', '14155550198', 'sip:alice@127.0.0.1:5070']);
  });

  test('numbers as strings, booleans as strings, methods in any case; time_limit capped at 24 h', async () => {
    const res = await request(f.app)
      .post(`${BASE}/Call/`)
      .set(AUTH)
      .send({
        ...CALL,
        answer_method: 'get',
        time_limit: '90000',
        ring_timeout: '30',
        hangup_on_ring: 15,
        send_on_preanswer: 'true',
        send_digits: '123@1000',
        caller_name: 'Support',
        sip_headers: 'Campaign=spring,Tier=gold',
        ring_url: '',
        machine_detection: 'false',
      });
    assert.equal(res.status, 200, res.text);
    const req = madeCall();
    assert.equal(req.answerMethod, 'GET');
    assert.equal(req.timeLimit, 86400);
    assert.equal(req.ringTimeout, 30);
    assert.equal(req.hangupOnRing, 15);
    assert.equal(req.sendOnPreanswer, true);
    assert.equal(req.sendDigits, '123@1000');
    assert.equal(req.callerName, 'Support');
    assert.deepEqual(req.sipHeaders, { Campaign: 'spring', Tier: 'gold' });
    assert.equal(req.ringUrl, undefined, 'an empty string is "not given"');
  });

  test('a form-encoded body (as Plivo clients send) is read the same way', async () => {
    const res = await request(f.app)
      .post(`${BASE}/Call/`)
      .set(AUTH)
      .type('form')
      .send({ ...CALL, time_limit: '60' });
    assert.equal(res.status, 200, res.text);
    assert.equal(madeCall().timeLimit, 60);
  });

  test('400 naming the field: missing answer_url, comma-separated to, bad sip_headers, bad time_limit', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ from: CALL.from, to: CALL.to }, 'answer_url'],
      [{ ...CALL, to: '14155550199,14155550198' }, 'to'],
      [{ ...CALL, sip_headers: 'X-Bad=va lue' }, 'sip_headers'],
      [{ ...CALL, time_limit: 'soon' }, 'time_limit'],
      [{ ...CALL, answer_url: 'ftp://x/y' }, 'answer_url'],
      [{ ...CALL, caller_name: 'x'.repeat(51) }, 'caller_name'],
      [{ ...CALL, machine_detection: 'maybe' }, 'machine_detection'],
      [{ ...CALL, machine_detection_time: 500 }, 'machine_detection_time'],
    ];
    for (const [body, field] of cases) {
      const res = await request(f.app).post(`${BASE}/Call/`).set(AUTH).send(body);
      assert.equal(res.status, 400, `${field}: ${res.text}`);
      assert.match(res.body.api_id, UUID);
      assert.equal(res.body.error, 'invalid request parameters');
      assert.ok(res.body.details[field], `details names ${field}: ${res.text}`);
      assert.match(res.body.message, new RegExp(`^${field}: |; ${field}: `));
    }
    assert.equal(f.control.last('makeCall'), undefined, 'nothing was dialled');
  });

  test('more than 1000 destinations is a 400 on `to`', async () => {
    const to = Array.from({ length: 1001 }, (_, i) => String(14155550000 + i)).join('<');
    const res = await request(f.app)
      .post(`${BASE}/Call/`)
      .set(AUTH)
      .send({ ...CALL, to });
    assert.equal(res.status, 400);
    assert.match(res.body.details.to, /at most 1000/);
    const ok = await request(f.app)
      .post(`${BASE}/Call/`)
      .set(AUTH)
      .send({ ...CALL, to: to.split('<').slice(0, 1000).join('<') });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.request_uuid.length, 1000);
  });

  test('machine_detection true / hangup: 501 not supported, and no call is placed', async () => {
    for (const md of ['true', 'hangup', true]) {
      const res = await request(f.app)
        .post(`${BASE}/Call/`)
        .set(AUTH)
        .send({ ...CALL, machine_detection: md });
      assert.equal(res.status, 501);
      assert.match(res.body.message, /machine_detection/);
    }
    assert.equal(f.control.last('makeCall'), undefined);
  });

  test('error_if_parent_not_found with an unknown parent is a 400 on parent_call_uuid', async () => {
    const body = { ...CALL, parent_call_uuid: 'no-such-call', error_if_parent_not_found: 'true' };
    const res = await request(f.app).post(`${BASE}/Call/`).set(AUTH).send(body);
    assert.equal(res.status, 400);
    assert.ok(res.body.details.parent_call_uuid);
    const parent = await f.addCall();
    const ok = await request(f.app)
      .post(`${BASE}/Call/`)
      .set(AUTH)
      .send({ ...body, parent_call_uuid: parent.call_uuid });
    assert.equal(ok.status, 200);
    assert.equal(madeCall().parentCallUuid, parent.call_uuid);
  });

  test('engine refusals: BUSY 429, UNAVAILABLE 503, BAD_REQUEST 400, NOT_IMPLEMENTED 501', async () => {
    for (const [code, status] of [
      ['BUSY', 429],
      ['UNAVAILABLE', 503],
      ['BAD_REQUEST', 400],
      ['NOT_IMPLEMENTED', 501],
    ] as const) {
      f.control.failNext(code, `engine says ${code}`);
      const res = await request(f.app).post(`${BASE}/Call/`).set(AUTH).send(CALL);
      assert.equal(res.status, status);
      assert.equal(res.body.message, `engine says ${code}`);
      assert.match(res.body.api_id, UUID);
    }
  });

  test('401 without or with wrong credentials, 403 for another account path', async () => {
    const none = await request(f.app).post(`${BASE}/Call/`).send(CALL);
    assert.equal(none.status, 401);
    assert.equal(none.body.error, 'invalid credentials');
    const wrong = await request(f.app)
      .post(`${BASE}/Call/`)
      .set({ ...AUTH, 'X-Auth-Token': 'nope' })
      .send(CALL);
    assert.equal(wrong.status, 401);
    const other = await request(f.app).post('/api/v1/Account/MA_OTHER/Call/').set(AUTH).send(CALL);
    assert.equal(other.status, 403);
    assert.equal(other.body.error, 'forbidden');
    assert.equal(f.control.last('makeCall'), undefined);
  });
});

describe('DELETE Call/{uuid}/ and Request/{uuid}/ (spec 2.7, 2.8)', () => {
  test('hangup: 204 with no body, in both slash forms; then 404', async () => {
    const a = await f.addCall();
    const res = await request(f.app).delete(`${BASE}/Call/${a.call_uuid}/`).set(AUTH);
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    assert.equal(f.control.last('hangup')?.callUuid, a.call_uuid);
    const again = await request(f.app).delete(`${BASE}/Call/${a.call_uuid}`).set(AUTH);
    assert.equal(again.status, 404);
    assert.equal(again.body.error, 'Call not found');
    const b = await f.addCall();
    assert.equal((await request(f.app).delete(`${BASE}/Call/${b.call_uuid}`).set(AUTH)).status, 204);
  });

  test('cancel a queued request: 204; unknown: 404', async () => {
    const q = await f.addCall({ call_status: 'queued', answered_at: undefined });
    const res = await request(f.app).delete(`${BASE}/Request/${q.request_uuid}/`).set(AUTH);
    assert.equal(res.status, 204);
    assert.equal(f.control.last('cancelRequest')?.callUuid, q.request_uuid);
    const unknown = await request(f.app).delete(`${BASE}/Request/${q.request_uuid}`).set(AUTH);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, 'Request not found');
  });

  test('a call on another node that is not registered: 503 naming the node, the engine is not asked', async () => {
    const c = await f.addCall({ node_id: 'node-b' });
    const res = await request(f.app).delete(`${BASE}/Call/${c.call_uuid}/`).set(AUTH);
    assert.equal(res.status, 503);
    assert.equal(res.body.node_id, 'node-b');
    assert.match(res.body.message, /node-b, which is not registered/);
    assert.equal(f.control.last('hangup'), undefined);
  });

  test('401 / 403 before anything else', async () => {
    const c = await f.addCall();
    assert.equal((await request(f.app).delete(`${BASE}/Call/${c.call_uuid}/`)).status, 401);
    assert.equal(
      (await request(f.app).delete(`/api/v1/Account/MA_OTHER/Call/${c.call_uuid}/`).set(AUTH)).status,
      403,
    );
    assert.equal(f.control.last('hangup'), undefined);
  });
});

describe('POST Call/{uuid}/ (transfer, spec 2.9)', () => {
  test('202 "call transferred" with the call_uuid; the engine gets the parsed request', async () => {
    const c = await f.addCall();
    const res = await request(f.app).post(`${BASE}/Call/${c.call_uuid}/`).set(AUTH).send({
      legs: 'both',
      aleg_url: 'http://127.0.0.1:9/a',
      bleg_url: 'http://127.0.0.1:9/b',
      bleg_method: 'GET',
    });
    assert.equal(res.status, 202);
    assert.deepEqual(Object.keys(res.body), ['api_id', 'message', 'call_uuid']);
    assert.equal(res.body.message, 'call transferred');
    assert.equal(res.body.call_uuid, c.call_uuid);
    const req = f.control.last('transfer')?.arg as TransferRequest;
    assert.deepEqual(req, {
      legs: 'both',
      alegUrl: 'http://127.0.0.1:9/a',
      alegMethod: 'POST',
      blegUrl: 'http://127.0.0.1:9/b',
      blegMethod: 'GET',
    });
  });

  test('400 when the URL for the chosen legs is missing', async () => {
    const c = await f.addCall();
    const cases: [Record<string, string>, string][] = [
      [{}, 'aleg_url'],
      [{ legs: 'bleg', aleg_url: 'http://127.0.0.1:9/a' }, 'bleg_url'],
      [{ legs: 'both', aleg_url: 'http://127.0.0.1:9/a' }, 'bleg_url'],
      [{ legs: 'sideways', aleg_url: 'http://127.0.0.1:9/a' }, 'legs'],
    ];
    for (const [body, field] of cases) {
      const res = await request(f.app).post(`${BASE}/Call/${c.call_uuid}/`).set(AUTH).send(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.ok(res.body.details[field], `${field}: ${res.text}`);
    }
    assert.equal(f.control.last('transfer'), undefined);
  });

  test('a queued call or an unknown one is a 404', async () => {
    const q = await f.addCall({ call_status: 'queued', answered_at: undefined });
    const body = { aleg_url: 'http://127.0.0.1:9/a' };
    assert.equal(
      (await request(f.app).post(`${BASE}/Call/${q.call_uuid}/`).set(AUTH).send(body)).status,
      404,
    );
    assert.equal((await request(f.app).post(`${BASE}/Call/nope/`).set(AUTH).send(body)).status, 404);
  });
});
