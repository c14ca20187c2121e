import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import request from 'supertest';
import { methodsByPath, ROUTES } from '../../../src/api/route-table.ts';
import { type ApiFixture, AUTH, AUTH_ID, AUTH_TOKEN, apiFixture, BASE } from '../../helpers/api-fakes.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let f: ApiFixture;
beforeEach(() => {
  f = apiFixture();
});
afterEach(() => f.close());

/** A concrete URL for a table path, for `account` (default ours). */
function urlOf(path: string, account = AUTH_ID): string {
  return path.replace('{auth_id}', account).replace(/\{(\w+)\}/g, 'x1');
}

function send(method: string, url: string) {
  return request(f.app)[method as 'get' | 'post' | 'delete'](url);
}

/** The catch-all's answer: no route has this path (as opposed to a resource that is missing). */
function isRouteMiss(res: request.Response): boolean {
  return res.status === 405 || (res.status === 404 && /^no route/.test(res.body?.message ?? ''));
}

describe('every route of the table', () => {
  test('is served in both trailing-slash forms', async () => {
    for (const r of ROUTES) {
      const url = urlOf(r.path);
      const other = url.endsWith('/') ? url.slice(0, -1) : `${url}/`;
      for (const u of [url, other]) {
        const res = await send(r.method, u).set(AUTH);
        assert.ok(!isRouteMiss(res), `${r.method} ${u}: ${res.status} ${res.text}`);
      }
    }
  });

  test('answers 401 without credentials (except the recording download) and 403 for another account', async () => {
    for (const r of ROUTES) {
      if (r.operationId === 'downloadRecording') continue;
      const none = await send(r.method, urlOf(r.path));
      assert.equal(none.status, 401, `${r.method} ${r.path}`);
      assert.equal(none.body.error, 'invalid credentials');
      assert.match(none.body.api_id, UUID);
      const other = await send(r.method, urlOf(r.path, 'MA_SOMEONE')).set(AUTH);
      assert.equal(other.status, 403, `${r.method} ${r.path}`);
      assert.equal(other.body.error, 'forbidden');
    }
  });

  test('answers 405 with Allow for a method it does not serve', async () => {
    for (const [path, methods] of methodsByPath()) {
      const res = await request(f.app).put(urlOf(path)).set(AUTH);
      assert.equal(res.status, 405, path);
      const allow = methods.map((m) => m.toUpperCase());
      if (allow.includes('GET')) allow.push('HEAD');
      assert.equal(res.headers.allow, allow.join(', '));
      assert.equal(res.body.error, 'method not allowed');
      assert.match(res.body.api_id, UUID);
    }
  });
});

describe('authentication (spec 1.2)', () => {
  test('the token must match exactly: shorter, longer, other case, other id all get 401', async () => {
    const url = `${BASE}/concurrency`;
    for (const headers of [
      { 'X-Auth-ID': AUTH_ID },
      { 'X-Auth-Token': AUTH_TOKEN },
      { 'X-Auth-ID': AUTH_ID, 'X-Auth-Token': AUTH_TOKEN.slice(0, -1) },
      { 'X-Auth-ID': AUTH_ID, 'X-Auth-Token': `${AUTH_TOKEN}x` },
      { 'X-Auth-ID': AUTH_ID, 'X-Auth-Token': AUTH_TOKEN.toUpperCase() },
      { 'X-Auth-ID': 'MA_SOMEONE', 'X-Auth-Token': AUTH_TOKEN },
    ]) {
      const res = await request(f.app).get(url).set(headers);
      assert.equal(res.status, 401, JSON.stringify(headers));
    }
    const ok = await request(f.app).get(url).set({ 'x-auth-id': AUTH_ID, 'x-auth-token': AUTH_TOKEN });
    assert.equal(ok.status, 200);
  });

  test('path segments are case-sensitive: a lowercased PascalCase path is not routed', async () => {
    const res = await request(f.app).get(`/api/v1/account/${AUTH_ID}/call/?status=live`).set(AUTH);
    assert.equal(res.status, 404);
    assert.match(res.headers['content-type'], /application\/json/);
  });
});

describe('HTTP behaviour under /api/v1', () => {
  test('unknown routes: JSON 404 {api_id, error: "not found"}, never the HTML page', async () => {
    for (const path of [`${BASE}/Nope/`, '/api/v1/whatever', `${BASE}/Call/x/Play/y/z`]) {
      const res = await request(f.app).get(path).set(AUTH);
      assert.equal(res.status, 404, path);
      assert.match(res.headers['content-type'], /application\/json/);
      assert.equal(res.body.error, 'not found');
      assert.match(res.body.api_id, UUID);
    }
  });

  test('paths outside /api/v1 are left to the rest of the app', async () => {
    f.app.get('/demo/answer', (_req, res) => {
      res.type('application/xml').send('<Response/>');
    });
    const res = await request(f.app).get('/demo/answer');
    assert.equal(res.status, 200);
    assert.equal(res.text, '<Response/>');
  });

  test('malformed JSON: 400 with an error body', async () => {
    const res = await request(f.app).post(`${BASE}/Call/`).set(AUTH).type('json').send('{"from": "1",');
    assert.equal(res.status, 400);
    assert.match(res.body.api_id, UUID);
    assert.equal(res.body.error, 'malformed JSON body');
    assert.equal(f.control.invocations.length, 0);
    // Credentials are checked before a body is read.
    const anonymous = await request(f.app).post(`${BASE}/Call/`).type('json').send('{"from": "1",');
    assert.equal(anonymous.status, 401);
  });

  test('a body over 1 MB: 413 with an error body; just under is read', async () => {
    const big = { from: '1', to: '2', answer_url: 'http://127.0.0.1:9/a', pad: 'x'.repeat(1024 * 1024) };
    const res = await request(f.app).post(`${BASE}/Call/`).set(AUTH).send(big);
    assert.equal(res.status, 413);
    assert.equal(res.body.error, 'request body too large');
    assert.equal((await request(f.app).post(`${BASE}/Call/`).send(big)).status, 401);
    const fits = { ...big, from: '14155550100', to: '14155550199', pad: 'x'.repeat(1000 * 1000) };
    assert.equal((await request(f.app).post(`${BASE}/Call/`).set(AUTH).send(fits)).status, 200);
  });

  test('a JSON array or scalar body is a 400, not a crash', async () => {
    const res = await request(f.app).post(`${BASE}/Call/`).set(AUTH).type('json').send('[1,2]');
    assert.equal(res.status, 400);
    assert.ok(res.body.details.body);
  });

  test('every response carries a fresh api_id', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++)
      ids.add((await request(f.app).get(`${BASE}/concurrency`).set(AUTH)).body.api_id);
    ids.add((await request(f.app).get(`${BASE}/concurrency`)).body.api_id);
    assert.equal(ids.size, 4);
    for (const id of ids) assert.match(id, UUID);
  });

  test('HEAD on a GET route; OPTIONS answers 204 with Allow', async () => {
    assert.equal((await request(f.app).head(`${BASE}/concurrency`).set(AUTH)).status, 200);
    const opt = await request(f.app).options(`${BASE}/Call/`);
    assert.equal(opt.status, 204);
    assert.equal(opt.headers.allow, 'POST, GET, HEAD');
  });

  test('an unexpected failure is a JSON 500 without internals', async () => {
    f.store.calls.list = async () => {
      throw new TypeError('secret internals');
    };
    const res = await request(f.app).get(`${BASE}/concurrency`).set(AUTH);
    assert.equal(res.status, 500);
    assert.equal(res.body.error, 'internal error');
    assert.doesNotMatch(res.text, /secret internals/);
  });

  test('one debug line per request: method, path, status, ms; never the token', async () => {
    await request(f.app).get(`${BASE}/concurrency?x=1`).set(AUTH);
    await request(f.app).post(`${BASE}/Call/`).set(AUTH).send({});
    await request(f.app).get('/api/v1/nowhere');
    const lines = f.logged.filter((l) => l.msg === 'api request');
    assert.equal(lines.length, 3);
    assert.deepEqual(
      lines.map((l) => [l.level, l.method, l.path, l.status]),
      [
        [20, 'GET', `${BASE}/concurrency`, 200],
        [20, 'POST', `${BASE}/Call/`, 400],
        [20, 'GET', '/api/v1/nowhere', 404],
      ],
    );
    for (const l of lines) assert.equal(typeof l.ms, 'number');
    assert.doesNotMatch(JSON.stringify(f.logged), new RegExp(AUTH_TOKEN));
  });
});
