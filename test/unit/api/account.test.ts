import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import request from 'supertest';
import { AUTH, apiFixture, BASE } from '../../helpers/api-fakes.ts';

describe('GET concurrency (spec 1.8)', () => {
  test('counts every call that has not ended; max 0 means unlimited and 0 % use', async () => {
    const f = apiFixture();
    try {
      await f.addCall();
      await f.addCall({ call_status: 'ringing' });
      await f.addCall({ node_id: 'node-b' });
      const res = await request(f.app).get(`${BASE}/concurrency`).set(AUTH);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, {
        api_id: res.body.api_id,
        account_id: 'MA_TEST0001',
        concurrent_calls: 3,
        max_concurrent: 0,
        utilization_pct: 0,
        request_id: res.body.api_id,
      });
      assert.equal((await request(f.app).get(`${BASE}/concurrency/`).set(AUTH)).status, 200);
    } finally {
      f.close();
    }
  });

  test('with a configured limit: utilization in percent', async () => {
    const f = apiFixture({ maxConcurrent: 8 });
    try {
      for (let i = 0; i < 3; i++) await f.addCall();
      const res = await request(f.app).get(`${BASE}/concurrency`).set(AUTH);
      assert.equal(res.body.max_concurrent, 8);
      assert.equal(res.body.utilization_pct, 38);
    } finally {
      f.close();
    }
  });

  test('401, 403, 405', async () => {
    const f = apiFixture();
    try {
      assert.equal((await request(f.app).get(`${BASE}/concurrency`)).status, 401);
      assert.equal((await request(f.app).get('/api/v1/Account/MA_OTHER/concurrency').set(AUTH)).status, 403);
      const del = await request(f.app).delete(`${BASE}/concurrency`).set(AUTH);
      assert.equal(del.status, 405);
      assert.equal(del.headers.allow, 'GET, HEAD');
    } finally {
      f.close();
    }
  });
});
