import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import request from 'supertest';
import { type ApiFixture, AUTH, apiFixture, BASE, cdr } from '../../helpers/api-fakes.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let f: ApiFixture;
beforeEach(async () => {
  f = apiFixture();
  // Five calls on 2026-06-01..05: three outbound answered, two inbound unanswered.
  for (let i = 1; i <= 5; i++) {
    const answered = i <= 3;
    await f.store.cdrs.add(
      cdr({
        uuid: `00000000-0000-4000-8000-00000000000${i}`,
        call_direction: answered ? 'outbound' : 'inbound',
        caller_id_number: `1415555010${i}`,
        start_time: `2026-06-0${i}T10:00:00.000Z`,
        answer_time: answered ? `2026-06-0${i}T10:00:05.000Z` : null,
        end_time: `2026-06-0${i}T10:01:00.000Z`,
        duration: 60,
        billsec: answered ? 55 : 0,
        hangup_cause: answered ? 'NORMAL_CLEARING' : 'NO_ANSWER',
        caller_id_name: i === 2 ? 'Quote "me", please' : '',
      }),
    );
  }
});
afterEach(() => f.close());

describe('GET cdr (spec 4.6, style D)', () => {
  test('newest first with pagination, summary and the spec`s CDR fields', async () => {
    const res = await request(f.app).get(`${BASE}/cdr?per_page=2&page=2`).set(AUTH);
    assert.equal(res.status, 200);
    assert.match(res.body.api_id, UUID);
    assert.equal(res.body.account_id, 'MA_TEST0001');
    assert.equal(res.body.success, true);
    assert.equal(res.body.count, 2);
    assert.deepEqual(
      res.body.data.map((d: { uuid: string }) => d.uuid.slice(-1)),
      ['3', '2'],
    );
    assert.deepEqual(res.body.pagination, {
      page: 2,
      per_page: 2,
      total: 5,
      pages: 3,
      has_next: true,
      has_prev: true,
    });
    assert.equal(res.body.summary.totalCalls, 5);
    assert.equal(res.body.summary.answeredCalls, 3);
    const d = res.body.data[0];
    for (const k of [
      'hangup_cause',
      'hangup_cause_code',
      'billsec',
      'cost',
      'currency',
      'total_cost',
      'trunk_id',
      'campaign_id',
    ]) {
      assert.ok(k in d, `CDR has ${k}`);
    }
  });

  test('filters: direction, from_number substring, dates together, min_duration, hangup_cause', async () => {
    const q = async (query: Record<string, string>) =>
      (await request(f.app).get(`${BASE}/cdr/`).query(query).set(AUTH)).body;
    assert.equal((await q({ call_direction: 'inbound' })).pagination.total, 2);
    assert.equal((await q({ from_number: '50103' })).pagination.total, 1);
    assert.equal((await q({ start_date: '2026-06-02', end_date: '2026-06-03' })).pagination.total, 2);
    assert.equal((await q({ min_duration: '61' })).pagination.total, 0);
    assert.equal((await q({ hangup_cause: 'NO_ANSWER' })).summary.totalCalls, 2);
    assert.equal((await q({ campaign_id: 'spring' })).pagination.total, 0, 'no call is in a campaign');
  });

  test('400: start_date without end_date, bad dates, per_page over 100', async () => {
    for (const [query, field] of [
      ['start_date=2026-06-01', 'end_date'],
      ['end_date=2026-06-01', 'start_date'],
      ['start_date=June&end_date=2026-06-02', 'start_date'],
      ['per_page=101', 'per_page'],
      ['call_direction=sideways', 'call_direction'],
    ] as const) {
      const res = await request(f.app).get(`${BASE}/cdr?${query}`).set(AUTH);
      assert.equal(res.status, 400, query);
      assert.ok(res.body.details[field], res.text);
    }
  });
});

describe('cdr/search, cdr/recent, cdr/export, cdr/{id}', () => {
  test('search: the list plus the echoed filters, empty ones as ""', async () => {
    const res = await request(f.app)
      .get(`${BASE}/cdr/search?call_direction=outbound&from_number=1415`)
      .set(AUTH);
    assert.equal(res.status, 200);
    assert.equal(res.body.pagination.total, 3);
    assert.deepEqual(res.body.filters, {
      call_direction: 'outbound',
      from_number: '1415',
      hangup_cause: '',
      to_number: '',
    });
  });

  test('recent: {account_id, count, data, success}, limit default 20', async () => {
    const res = await request(f.app).get(`${BASE}/cdr/recent?limit=2`).set(AUTH);
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body).sort(), ['account_id', 'api_id', 'count', 'data', 'success']);
    assert.equal(res.body.count, 2);
    assert.equal(res.body.data[0].uuid.slice(-1), '5');
    assert.equal((await request(f.app).get(`${BASE}/cdr/recent`).set(AUTH)).body.count, 5);
  });

  test('export: text/csv, a header row with every field of the CDR object, RFC 4180 quoting, same filters', async () => {
    const one = (await request(f.app).get(`${BASE}/cdr/00000000-0000-4000-8000-000000000002`).set(AUTH)).body
      .data;
    const res = await request(f.app).get(`${BASE}/cdr/export?call_direction=outbound`).set(AUTH);
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'], /^text\/csv/);
    const lines = res.text.trimEnd().split('\r\n');
    const header = lines[0].split(',');
    assert.deepEqual([...header].sort(), Object.keys(one).sort());
    assert.equal(lines.length, 4, 'header + 3 outbound calls');
    const quoted = lines.find((l) => l.includes('Quote'));
    assert.ok(quoted?.includes('"Quote ""me"", please"'), quoted);
    const empty = await request(f.app)
      .get(`${BASE}/cdr/export?call_direction=inbound&min_duration=999`)
      .set(AUTH);
    assert.equal(empty.text, `${lines[0]}\r\n`);
  });

  test('get one: {data, success: true}; unknown or numeric id: 404', async () => {
    const res = await request(f.app).get(`${BASE}/cdr/00000000-0000-4000-8000-000000000001`).set(AUTH);
    assert.equal(res.status, 200);
    assert.equal(res.body.success, true);
    assert.equal(res.body.data.uuid, '00000000-0000-4000-8000-000000000001');
    assert.equal(res.body.data.answer_time, '2026-06-01T10:00:05.000Z');
    for (const id of ['nope', '17']) {
      const missing = await request(f.app).get(`${BASE}/cdr/${id}/`).set(AUTH);
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error, 'CDR not found');
      assert.equal(missing.body.success, false);
    }
  });

  test('401, 403, and 405 on POST', async () => {
    assert.equal((await request(f.app).get(`${BASE}/cdr`)).status, 401);
    assert.equal((await request(f.app).get('/api/v1/Account/MA_OTHER/cdr/recent').set(AUTH)).status, 403);
    const post = await request(f.app).post(`${BASE}/cdr/search`).set(AUTH);
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
  });
});
