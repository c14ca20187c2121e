import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import request from 'supertest';
import type { StreamRequest } from '../../../src/callflow/call-control.ts';
import { type ApiFixture, AUTH, apiFixture, BASE } from '../../helpers/api-fakes.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let f: ApiFixture;
beforeEach(() => {
  f = apiFixture();
});
afterEach(() => f.close());

async function start(
  callUuid: string,
  body: Record<string, unknown> = { service_url: 'ws://127.0.0.1:9/s' },
) {
  return request(f.app).post(`${BASE}/Call/${callUuid}/Stream/`).set(AUTH).send(body);
}

describe('Stream start (spec 3.5)', () => {
  test('202 "audio streaming started" with stream_id; defaults both / l16 8000 / 86400 s', async () => {
    const c = await f.addCall();
    const res = await start(c.call_uuid);
    assert.equal(res.status, 202);
    assert.deepEqual(Object.keys(res.body), ['api_id', 'message', 'stream_id']);
    assert.equal(res.body.message, 'audio streaming started');
    assert.match(res.body.stream_id, UUID);
    assert.deepEqual(f.control.last('startStream')?.arg as StreamRequest, {
      serviceUrl: 'ws://127.0.0.1:9/s',
      audioTrack: 'both',
      bidirectional: false,
      contentType: 'audio/x-l16;rate=8000',
      streamTimeout: 86400,
      statusCallbackUrl: undefined,
      statusCallbackMethod: 'POST',
      extraHeaders: {},
    });
  });

  test('bidirectional as "true" or JSON true both mean bidirectional; the track then defaults to inbound', async () => {
    const c = await f.addCall();
    for (const bidirectional of ['true', true]) {
      const res = await start(c.call_uuid, { service_url: 'wss://127.0.0.1:9/s', bidirectional });
      assert.equal(res.status, 202);
      const req = f.control.last('startStream')?.arg as StreamRequest;
      assert.equal(req.bidirectional, true);
      assert.equal(req.audioTrack, 'inbound');
    }
    const other = await start(c.call_uuid, {
      service_url: 'wss://127.0.0.1:9/s',
      bidirectional: 'true',
      audio_track: 'both',
    });
    assert.equal(other.status, 400);
    assert.ok(other.body.details.audio_track);
  });

  test('extra_headers, content_type, stream_timeout and callbacks are decoded', async () => {
    const c = await f.addCall();
    const res = await start(c.call_uuid, {
      service_url: 'wss://127.0.0.1:9/s',
      content_type: 'audio/x-mulaw',
      stream_timeout: '600',
      status_callback_url: 'http://127.0.0.1:9/status',
      status_callback_method: 'GET',
      extra_headers: 'X-Session:abc123,X-Agent:bot',
      audio_format: 'pcm',
    });
    assert.equal(res.status, 202);
    const req = f.control.last('startStream')?.arg as StreamRequest;
    assert.equal(req.contentType, 'audio/x-mulaw;rate=8000');
    assert.equal(req.streamTimeout, 600);
    assert.equal(req.statusCallbackUrl, 'http://127.0.0.1:9/status');
    assert.equal(req.statusCallbackMethod, 'GET');
    assert.deepEqual(req.extraHeaders, { 'X-Session': 'abc123', 'X-Agent': 'bot' });
  });

  test('400 naming service_url (missing or not ws), content_type, extra_headers', async () => {
    const c = await f.addCall();
    for (const [body, field] of [
      [{}, 'service_url'],
      [{ service_url: 'http://127.0.0.1:9/s' }, 'service_url'],
      [{ service_url: 'ws://127.0.0.1:9/s', content_type: 'audio/ogg' }, 'content_type'],
      [{ service_url: 'ws://127.0.0.1:9/s', extra_headers: 'no-colon-here' }, 'extra_headers'],
    ] as const) {
      const res = await start(c.call_uuid, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.ok(res.body.details[field], res.text);
    }
  });

  test('NOT_IMPLEMENTED from the engine is a 501 with a clear error', async () => {
    const c = await f.addCall();
    f.control.failNext('NOT_IMPLEMENTED', 'audio streaming is not available yet');
    const res = await start(c.call_uuid);
    assert.equal(res.status, 501);
    assert.equal(res.body.error, 'not implemented');
    assert.equal(res.body.message, 'audio streaming is not available yet');
  });

  test('unknown call 404; queued call 404', async () => {
    assert.equal((await start('nope')).status, 404);
    const q = await f.addCall({ call_status: 'ringing', answered_at: undefined });
    assert.equal((await start(q.call_uuid)).status, 404);
  });
});

describe('Stream list / get / stop (spec 3.5)', () => {
  test('list emits both shapes: page/per_page/total and api_id/meta/objects', async () => {
    const c = await f.addCall();
    for (let i = 0; i < 3; i++) await start(c.call_uuid);
    const res = await request(f.app).get(`${BASE}/Call/${c.call_uuid}/Stream/?limit=2&offset=2`).set(AUTH);
    assert.equal(res.status, 200);
    assert.match(res.body.api_id, UUID);
    assert.equal(res.body.page, 2);
    assert.equal(res.body.per_page, 2);
    assert.equal(res.body.total, 3);
    assert.equal(res.body.objects.length, 1);
    assert.deepEqual(res.body.meta, {
      limit: 2,
      offset: 2,
      next: null,
      previous: `/v1/Account/MA_TEST0001/Call/${c.call_uuid}/Stream/?limit=2&offset=0`,
      total_count: 3,
    });
    const s = res.body.objects[0];
    assert.equal(s.call_uuid, c.call_uuid);
    assert.equal(s.resource_uri, `/v1/Account/MA_TEST0001/Call/${c.call_uuid}/Stream/${s.stream_id}/`);
    assert.equal(s.status, 'in-progress');
    assert.equal(s.end_time, null);
  });

  test('get one: the Stream object with api_id; unknown: 404 {api_id, error: "Stream not found"}', async () => {
    const c = await f.addCall();
    const id = (await start(c.call_uuid)).body.stream_id;
    const res = await request(f.app).get(`${BASE}/Call/${c.call_uuid}/Stream/${id}`).set(AUTH);
    assert.equal(res.status, 200);
    assert.equal(res.body.stream_id, id);
    assert.equal(res.body.service_url, 'ws://127.0.0.1:9/s');
    assert.equal(res.body.sampling_rate, 8000);
    assert.match(res.body.api_id, UUID);
    const missing = await request(f.app).get(`${BASE}/Call/${c.call_uuid}/Stream/nope/`).set(AUTH);
    assert.equal(missing.status, 404);
    assert.deepEqual(Object.keys(missing.body).sort(), ['api_id', 'error']);
    assert.equal(missing.body.error, 'Stream not found');
  });

  test('stop one: 204; again (already stopped): 404 Stream not found; it is listed as completed', async () => {
    const c = await f.addCall();
    const id = (await start(c.call_uuid)).body.stream_id;
    const url = `${BASE}/Call/${c.call_uuid}/Stream/${id}/`;
    assert.equal((await request(f.app).delete(url).set(AUTH)).status, 204);
    const again = await request(f.app).delete(url).set(AUTH);
    assert.equal(again.status, 404);
    assert.equal(again.body.error, 'Stream not found');
    const got = await request(f.app).get(url).set(AUTH);
    assert.equal(got.body.status, 'completed');
  });

  test('stop all: 204 even when none is active; unknown call 404', async () => {
    const c = await f.addCall();
    assert.equal((await request(f.app).delete(`${BASE}/Call/${c.call_uuid}/Stream/`).set(AUTH)).status, 204);
    await start(c.call_uuid);
    await start(c.call_uuid);
    assert.equal((await request(f.app).delete(`${BASE}/Call/${c.call_uuid}/Stream`).set(AUTH)).status, 204);
    const list = await request(f.app).get(`${BASE}/Call/${c.call_uuid}/Stream/`).set(AUTH);
    assert.ok(list.body.objects.every((s: { status: string }) => s.status === 'completed'));
    assert.equal((await request(f.app).delete(`${BASE}/Call/nope/Stream/`).set(AUTH)).status, 404);
  });

  test('list of an unknown call: 404; limit over 100: 400; PUT: 405 with Allow', async () => {
    assert.equal((await request(f.app).get(`${BASE}/Call/nope/Stream/`).set(AUTH)).status, 404);
    const c = await f.addCall();
    const big = await request(f.app).get(`${BASE}/Call/${c.call_uuid}/Stream/?limit=101`).set(AUTH);
    assert.equal(big.status, 400);
    assert.ok(big.body.details.limit);
    const put = await request(f.app).put(`${BASE}/Call/${c.call_uuid}/Stream/`).set(AUTH);
    assert.equal(put.status, 405);
    assert.equal(put.headers.allow, 'POST, GET, DELETE, HEAD');
  });

  test('403 for another account; 401 without token', async () => {
    const c = await f.addCall();
    assert.equal(
      (await request(f.app).get(`/api/v1/Account/MA_OTHER/Call/${c.call_uuid}/Stream/`).set(AUTH)).status,
      403,
    );
    assert.equal(
      (await request(f.app).get(`${BASE}/Call/${c.call_uuid}/Stream/`).set({ 'X-Auth-ID': 'MA_TEST0001' }))
        .status,
      401,
    );
  });
});
