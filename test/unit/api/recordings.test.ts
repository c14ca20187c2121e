import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, test } from 'node:test';
import request from 'supertest';
import { type ApiFixture, AUTH, apiFixture, BASE, recording } from '../../helpers/api-fakes.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let f: ApiFixture;
beforeEach(() => {
  f = apiFixture();
});
afterEach(() => f.close());

describe('Recording list (spec 4.5, style A)', () => {
  test('newest first, paged with meta, filtered by call_uuid and recording_type', async () => {
    const call = '6c1c6a3e-0000-4000-8000-000000000001';
    for (let i = 0; i < 4; i++) {
      await f.store.recordings.add(
        recording({ call_uuid: i < 3 ? call : 'other', add_time: `2026-06-1${i} 10:00:00.000000+00:00` }),
      );
    }
    await f.store.recordings.add(recording({ call_uuid: call, recording_type: 'conference' }));
    const res = await request(f.app)
      .get(`${BASE}/Recording/`)
      .query({ call_uuid: call, recording_type: 'call', limit: 2 })
      .set(AUTH);
    assert.equal(res.status, 200);
    assert.match(res.body.api_id, UUID);
    assert.equal(res.body.objects.length, 2);
    assert.deepEqual(res.body.meta, {
      limit: 2,
      offset: 0,
      next: `/v1/Account/MA_TEST0001/Recording/?call_uuid=${call}&recording_type=call&limit=2&offset=2`,
      previous: null,
      total_count: 3,
    });
    assert.deepEqual(
      res.body.objects.map((o: { add_time: string }) => o.add_time),
      ['2026-06-12 10:00:00.000000+00:00', '2026-06-11 10:00:00.000000+00:00'],
    );
    const empty = await request(f.app).get(`${BASE}/Recording?call_uuid=none`).set(AUTH);
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.body.objects, []);
  });

  test('limit over 100 and unknown recording_type: 400 naming them', async () => {
    const big = await request(f.app).get(`${BASE}/Recording/?limit=101`).set(AUTH);
    assert.equal(big.status, 400);
    assert.ok(big.body.details.limit);
    const type = await request(f.app).get(`${BASE}/Recording/?recording_type=video`).set(AUTH);
    assert.equal(type.status, 400);
    assert.ok(type.body.details.recording_type);
  });
});

describe('Recording get / delete (spec 4.5)', () => {
  test('get: the flat object + api_id + resource_uri, without our node_id', async () => {
    const rec = recording();
    await f.store.recordings.add(rec);
    for (const path of [`${BASE}/Recording/${rec.recording_id}/`, `${BASE}/Recording/${rec.recording_id}`]) {
      const res = await request(f.app).get(path).set(AUTH);
      assert.equal(res.status, 200);
      const { api_id, node_id, ...rest } = res.body;
      assert.match(api_id, UUID);
      assert.equal(node_id, undefined);
      const { node_id: _n, ...fields } = rec;
      assert.deepEqual(rest, {
        ...fields,
        // add_time 2026-06-11 16:04, "now" 2026-06-20 10:00: 8 whole days.
        recording_storage_duration: 8,
        recording_storage_rate: 0,
        monthly_recording_storage_amount: 0,
        resource_uri: `/v1/Account/MA_TEST0001/Recording/${rec.recording_id}/`,
      });
    }
  });

  test('get unknown: 404 {api_id, error: "Recording not found"}', async () => {
    const res = await request(f.app).get(`${BASE}/Recording/nope/`).set(AUTH);
    assert.equal(res.status, 404);
    assert.match(res.body.api_id, UUID);
    assert.equal(res.body.error, 'Recording not found');
  });

  test('delete: 204, the index entry and the file are gone; again: 404', async () => {
    const rec = recording();
    await f.store.recordings.add(rec);
    const file = f.files.path(rec.recording_id);
    writeFileSync(file, Buffer.from('RIFF'));
    const res = await request(f.app).delete(`${BASE}/Recording/${rec.recording_id}/`).set(AUTH);
    assert.equal(res.status, 204);
    assert.equal(existsSync(file), false);
    assert.equal(await f.store.recordings.get(rec.recording_id), undefined);
    assert.equal(
      (await request(f.app).delete(`${BASE}/Recording/${rec.recording_id}`).set(AUTH)).status,
      404,
    );
  });

  test('delete of a recording made on another node goes to that node: unregistered, a 503 that keeps it', async () => {
    // Forwarding itself is proven in forwarding.test.ts; here node-b is not registered.
    const rec = recording({ node_id: 'node-b' });
    await f.store.recordings.add(rec);
    const file = f.files.path(rec.recording_id);
    writeFileSync(file, Buffer.from('RIFF'));
    const res = await request(f.app).delete(`${BASE}/Recording/${rec.recording_id}/`).set(AUTH);
    assert.equal(res.status, 503);
    assert.equal(res.body.node_id, 'node-b');
    assert.equal(existsSync(file), true, 'a file of the same name here is not touched');
    assert.ok(await f.store.recordings.get(rec.recording_id), 'still indexed');
  });

  test('401 / 403 on the JSON routes; POST is 405', async () => {
    assert.equal((await request(f.app).get(`${BASE}/Recording/`)).status, 401);
    assert.equal((await request(f.app).get('/api/v1/Account/MA_OTHER/Recording/').set(AUTH)).status, 403);
    const post = await request(f.app).post(`${BASE}/Recording/x/`).set(AUTH);
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, DELETE, HEAD');
  });
});

describe('Recording download (the RecordUrl)', () => {
  test('serves the WAV without credentials, in both slash forms', async () => {
    const rec = recording();
    writeFileSync(f.files.path(rec.recording_id), Buffer.from('RIFF....WAVEfmt '));
    for (const path of [
      `${BASE}/Recording/${rec.recording_id}.wav`,
      `${BASE}/Recording/${rec.recording_id}.wav/`,
    ]) {
      const res = await request(f.app).get(path).buffer(true);
      assert.equal(res.status, 200);
      assert.match(res.headers['content-type'], /^audio\/wav/);
      assert.equal(Buffer.from(res.body).toString('latin1').slice(0, 4), 'RIFF');
    }
  });

  test('missing file, bad id or another account: JSON 404', async () => {
    const id = 'a2b9c6f0-1111-4222-8333-444455556666';
    for (const path of [
      `${BASE}/Recording/${id}.wav`,
      `${BASE}/Recording/..%2Fetc.wav`,
      `/api/v1/Account/MA_OTHER/Recording/${id}.wav`,
    ]) {
      const res = await request(f.app).get(path);
      assert.equal(res.status, 404, path);
      assert.match(res.headers['content-type'], /application\/json/);
      assert.equal(res.body.error, 'Recording not found');
    }
  });
});
