import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import request from 'supertest';
import { type ApiFixture, AUTH, apiFixture, BASE } from '../../helpers/api-fakes.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const APP = { app_name: 'support-line', answer_url: 'http://127.0.0.1:9/answer' };

let f: ApiFixture;
beforeEach(() => {
  f = apiFixture({ sipDomain: 'sip.example.test' });
});
afterEach(() => f.close());

async function create(body: Record<string, unknown> = APP): Promise<string> {
  const res = await request(f.app).post(`${BASE}/Application/`).set(AUTH).send(body);
  assert.equal(res.status, 201, res.text);
  return res.body.app_id;
}

describe('Application create (spec 4.1)', () => {
  test('201 {api_id, app_id, message: "created"}; 17-digit id; hangup_url defaults to answer_url', async () => {
    const res = await request(f.app).post(`${BASE}/Application/`).set(AUTH).send(APP);
    assert.equal(res.status, 201);
    assert.deepEqual(Object.keys(res.body), ['api_id', 'app_id', 'message']);
    assert.match(res.body.api_id, UUID);
    assert.match(res.body.app_id, /^[1-9][0-9]{16}$/);
    assert.equal(res.body.message, 'created');
    const app = await f.store.applications.get(res.body.app_id);
    assert.ok(app);
    assert.equal(app.hangup_url, APP.answer_url);
    assert.equal(app.answer_method, 'POST');
    assert.equal(app.fallback_answer_url, null);
    assert.equal(app.application_type, 'XML');
    assert.equal(app.enabled, true);
    assert.equal(app.default_app, false);
    assert.equal(app.sip_uri, `sip:${res.body.app_id}@sip.example.test`);
    assert.equal(app.created_at, '2026-06-20 10:00:00.000000+00:00');
  });

  test('lenient booleans; explicit hangup_url kept', async () => {
    const id = await create({
      ...APP,
      default_app: 'true',
      public_uri: true,
      hangup_url: 'http://127.0.0.1:9/h',
    });
    const app = await f.store.applications.get(id);
    assert.equal(app?.default_app, true);
    assert.equal(app?.public_uri, true);
    assert.equal(app?.hangup_url, 'http://127.0.0.1:9/h');
  });

  test('400 naming the field: missing app_name, bad app_name, missing answer_url, bad method', async () => {
    for (const [body, field] of [
      [{ answer_url: APP.answer_url }, 'app_name'],
      [{ ...APP, app_name: 'has space' }, 'app_name'],
      [{ app_name: 'x' }, 'answer_url'],
      [{ ...APP, answer_method: 'PUT' }, 'answer_method'],
    ] as const) {
      const res = await request(f.app).post(`${BASE}/Application/`).set(AUTH).send(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error, 'invalid request parameters');
      assert.ok(res.body.details[field], res.text);
    }
  });
});

describe('Application list / get / update / delete (spec 4.1)', () => {
  test('list: style A, oldest first; get: the object with api_id and resource_uri', async () => {
    const a = await create({ ...APP, app_name: 'a' });
    const b = await create({ ...APP, app_name: 'b' });
    const list = await request(f.app).get(`${BASE}/Application/?limit=1`).set(AUTH);
    assert.equal(list.status, 200);
    assert.equal(list.body.meta.total_count, 2);
    assert.equal(list.body.meta.next, '/v1/Account/MA_TEST0001/Application/?limit=1&offset=1');
    assert.equal(list.body.objects.length, 1);
    assert.ok([a, b].includes(list.body.objects[0].app_id));
    const got = await request(f.app).get(`${BASE}/Application/${a}`).set(AUTH);
    assert.equal(got.status, 200);
    assert.equal(got.body.app_id, a);
    assert.equal(got.body.app_name, 'a');
    assert.equal(got.body.resource_uri, `/v1/Account/MA_TEST0001/Application/${a}/`);
    assert.match(got.body.api_id, UUID);
  });

  test('get unknown: 404 {error: "Application not found", app_id}', async () => {
    const res = await request(f.app).get(`${BASE}/Application/99999999999999999/`).set(AUTH);
    assert.equal(res.status, 404);
    assert.equal(res.body.error, 'Application not found');
    assert.equal(res.body.app_id, '99999999999999999');
  });

  test('update: partial, 200 {message: "changed"}; null clears a URL; sub_account is immutable', async () => {
    const id = await create({ ...APP, fallback_answer_url: 'http://127.0.0.1:9/fb' });
    const res = await request(f.app)
      .post(`${BASE}/Application/${id}/`)
      .set(AUTH)
      .send({ hangup_url: 'http://127.0.0.1:9/h2', enabled: 'false', fallback_answer_url: null });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body), ['api_id', 'message']);
    assert.equal(res.body.message, 'changed');
    const app = await f.store.applications.get(id);
    assert.equal(app?.hangup_url, 'http://127.0.0.1:9/h2');
    assert.equal(app?.enabled, false);
    assert.equal(app?.fallback_answer_url, null);
    assert.equal(app?.app_name, APP.app_name, 'untouched fields stay');
    assert.equal(app?.answer_url, APP.answer_url);
    const sub = await request(f.app)
      .post(`${BASE}/Application/${id}/`)
      .set(AUTH)
      .send({ sub_account: 'SA_1' });
    assert.equal(sub.status, 400);
    assert.ok(sub.body.details.sub_account);
    const missing = await request(f.app).post(`${BASE}/Application/123/`).set(AUTH).send({ enabled: true });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.app_id, '123');
  });

  test('delete: 204; 409 with the spec`s body while numbers are attached; 404 unknown', async () => {
    const id = await create();
    await request(f.app)
      .post(`${BASE}/numbers/%2B14155550100/application`)
      .set(AUTH)
      .send({ application_id: id });
    await request(f.app)
      .post(`${BASE}/numbers/14155550101/application`)
      .set(AUTH)
      .send({ application_id: id });
    const busy = await request(f.app).delete(`${BASE}/Application/${id}/`).set(AUTH);
    assert.equal(busy.status, 409);
    assert.equal(busy.body.error, 'Cannot delete application');
    assert.equal(busy.body.message, 'Application is currently in use by 2 phone numbers');
    await request(f.app).delete(`${BASE}/numbers/%2B14155550100/application`).set(AUTH);
    await request(f.app).delete(`${BASE}/numbers/14155550101/application/`).set(AUTH);
    assert.equal((await request(f.app).delete(`${BASE}/Application/${id}/`).set(AUTH)).status, 204);
    assert.equal(await f.store.applications.get(id), undefined);
    assert.equal((await request(f.app).delete(`${BASE}/Application/${id}`).set(AUTH)).status, 404);
  });

  test('401 and 403; PUT is 405 with Allow', async () => {
    assert.equal((await request(f.app).get(`${BASE}/Application/`)).status, 401);
    assert.equal(
      (await request(f.app).post('/api/v1/Account/MA_OTHER/Application/').set(AUTH).send(APP)).status,
      403,
    );
    const put = await request(f.app).put(`${BASE}/Application/1/`).set(AUTH);
    assert.equal(put.status, 405);
    assert.equal(put.headers.allow, 'GET, POST, DELETE, HEAD');
  });
});

describe('numbers/{number}/application (spec 4.1)', () => {
  test('attach: 200 with the number as sent and the application; the store routes the number', async () => {
    const id = await create();
    const res = await request(f.app)
      .post(`${BASE}/numbers/%2B14155550100/application`)
      .set(AUTH)
      .send({ application_id: id });
    assert.equal(res.status, 200);
    assert.equal(res.body.message, 'Number attached to application');
    assert.equal(res.body.number, '+14155550100');
    assert.equal(res.body.application.app_id, id);
    assert.equal(res.body.application.resource_uri, `/v1/Account/MA_TEST0001/Application/${id}/`);
    assert.match(res.body.api_id, UUID);
    assert.equal((await f.store.applications.route('14155550100'))?.app_id, id);
    assert.deepEqual(await f.store.applications.numbersOf(id), ['14155550100']);
  });

  test('re-attaching moves the number; detach is idempotent (204)', async () => {
    const a = await create();
    const b = await create();
    await request(f.app).post(`${BASE}/numbers/alice/application`).set(AUTH).send({ application_id: a });
    await request(f.app).post(`${BASE}/numbers/alice/application/`).set(AUTH).send({ application_id: b });
    assert.deepEqual(await f.store.applications.numbersOf(a), []);
    assert.deepEqual(await f.store.applications.numbersOf(b), ['alice']);
    assert.equal((await request(f.app).delete(`${BASE}/numbers/alice/application`).set(AUTH)).status, 204);
    assert.equal((await request(f.app).delete(`${BASE}/numbers/alice/application`).set(AUTH)).status, 204);
    assert.deepEqual(await f.store.applications.numbersOf(b), []);
  });

  test('unknown application 404; missing or bad application_id 400; bad number 400', async () => {
    const unknown = await request(f.app)
      .post(`${BASE}/numbers/1415/application`)
      .set(AUTH)
      .send({ application_id: '42' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, 'Application not found');
    const missing = await request(f.app).post(`${BASE}/numbers/1415/application`).set(AUTH).send({});
    assert.equal(missing.status, 400);
    assert.ok(missing.body.details.application_id);
    const bad = await request(f.app)
      .post(`${BASE}/numbers/1415/application`)
      .set(AUTH)
      .send({ application_id: 'abc' });
    assert.equal(bad.status, 400);
    // 17 digits do not survive as a JSON number: refused rather than silently rounded.
    const rounded = await request(f.app)
      .post(`${BASE}/numbers/1415/application`)
      .set(AUTH)
      .type('json')
      .send('{"application_id": 12345678901234567}');
    assert.equal(rounded.status, 400);
    assert.match(rounded.body.details.application_id, /string/);
    const id = await create();
    const number = await request(f.app)
      .post(`${BASE}/numbers/a%20b/application`)
      .set(AUTH)
      .send({ application_id: id });
    assert.equal(number.status, 400);
    assert.ok(number.body.details.number);
  });
});
