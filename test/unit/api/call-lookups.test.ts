import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import request from 'supertest';
import { type ApiFixture, AUTH, apiFixture, BASE, cdr } from '../../helpers/api-fakes.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let f: ApiFixture;
beforeEach(() => {
  f = apiFixture();
});
afterEach(() => f.close());

describe('GET Call/{uuid}/ (spec 2.2, 2.3, 2.6)', () => {
  test('?status=live: the live call object, session_start from answered_at in microseconds', async () => {
    const c = await f.addCall({ caller_name: 'Ann', answered_at: '2026-06-11T16:03:28.586Z' });
    for (const path of [`${BASE}/Call/${c.call_uuid}/`, `${BASE}/Call/${c.call_uuid}`]) {
      const res = await request(f.app).get(path).query({ status: 'live' }).set(AUTH);
      assert.equal(res.status, 200);
      const { api_id, ...rest } = res.body;
      assert.match(api_id, UUID);
      assert.deepEqual(rest, {
        call_status: 'in-progress',
        call_uuid: c.call_uuid,
        caller_name: 'Ann',
        direction: 'outbound',
        from: '14155550100',
        parent_call_uuid: null,
        request_uuid: c.call_uuid,
        session_start: '2026-06-11 16:03:28.586000',
        stir_attestation: 'Not Applicable',
        stir_verification: 'Not Applicable',
        to: '14155550199',
      });
    }
  });

  test('?status=live of a ringing call is a 404; ?status=queued answers it as queued', async () => {
    const c = await f.addCall({ call_status: 'ringing', answered_at: undefined });
    const live = await request(f.app).get(`${BASE}/Call/${c.call_uuid}/?status=live`).set(AUTH);
    assert.equal(live.status, 404);
    assert.equal(live.body.error, 'Call not found');
    const queued = await request(f.app).get(`${BASE}/Call/${c.call_uuid}/?status=queued`).set(AUTH);
    assert.equal(queued.status, 200);
    assert.equal(queued.body.call_status, 'queued');
    assert.equal(queued.body.request_uuid, c.call_uuid);
    assert.equal(queued.body.session_start, undefined);
  });

  test('?status=queued of an answered call is a 404', async () => {
    const c = await f.addCall();
    const res = await request(f.app).get(`${BASE}/Call/${c.call_uuid}/?status=queued`).set(AUTH);
    assert.equal(res.status, 404);
  });

  test('no status: the completed Call object from the CDR; 404 when there is none', async () => {
    const rec = cdr({ parent_call_uuid: 'p-1' });
    await f.store.cdrs.add(rec);
    const res = await request(f.app).get(`${BASE}/Call/${rec.uuid}/`).set(AUTH);
    assert.equal(res.status, 200);
    assert.equal(res.body.call_uuid, rec.uuid);
    assert.equal(res.body.answer_time, '2026-06-11 16:03:25');
    assert.equal(res.body.initiation_time, '2026-06-11 16:03:20');
    assert.equal(res.body.end_time, '2026-06-11 16:04:25');
    assert.equal(res.body.bill_duration, 60);
    assert.equal(res.body.call_duration, 65);
    assert.equal(res.body.hangup_cause_code, 4000);
    assert.equal(res.body.hangup_source, 'Caller');
    assert.equal(res.body.from_number, '14155550100');
    assert.equal(res.body.to_number, '14155550199');
    assert.equal(res.body.parent_call_uuid, 'p-1');
    assert.equal(res.body.resource_uri, `/v1/Account/MA_TEST0001/Call/${rec.uuid}/`);
    const missing = await request(f.app).get(`${BASE}/Call/00000000-0000-4000-8000-000000000000/`).set(AUTH);
    assert.equal(missing.status, 404);
    assert.deepEqual(Object.keys(missing.body).sort(), ['api_id', 'error']);
  });

  test('an unknown status value is a 400 naming status', async () => {
    const res = await request(f.app).get(`${BASE}/Call/x/?status=done`).set(AUTH);
    assert.equal(res.status, 400);
    assert.ok(res.body.details.status);
  });
});

describe('GET Call/ (spec 2.4-2.6)', () => {
  test('?status=live lists in-progress UUIDs, with direction and number filters', async () => {
    const a = await f.addCall({ direction: 'inbound', from: '111', to: '222' });
    const b = await f.addCall({ direction: 'outbound', from: '333', to: '444' });
    await f.addCall({ call_status: 'ringing' });
    const all = await request(f.app).get(`${BASE}/Call?status=live`).set(AUTH);
    assert.equal(all.status, 200);
    assert.deepEqual(all.body.calls.sort(), [a.call_uuid, b.call_uuid].sort());
    const inbound = await request(f.app).get(`${BASE}/Call/?status=live&call_direction=inbound`).set(AUTH);
    assert.deepEqual(inbound.body.calls, [a.call_uuid]);
    const byTo = await request(f.app).get(`${BASE}/Call/?status=live&to_number=444`).set(AUTH);
    assert.deepEqual(byTo.body.calls, [b.call_uuid]);
  });

  test('?status=queued lists outbound queued and ringing calls, at most 20', async () => {
    for (let i = 0; i < 23; i++)
      await f.addCall({ call_status: i % 2 ? 'queued' : 'ringing', answered_at: undefined });
    await f.addCall({ call_status: 'ringing', direction: 'inbound' });
    await f.addCall();
    const res = await request(f.app).get(`${BASE}/Call/?status=queued`).set(AUTH);
    assert.equal(res.status, 200);
    assert.equal(res.body.calls.length, 20);
    assert.deepEqual(Object.keys(res.body), ['api_id', 'calls']);
  });

  test('no status: completed calls from the CDRs, Plivo meta, filters, limit 1-20', async () => {
    for (let i = 0; i < 5; i++) {
      await f.store.cdrs.add(
        cdr({
          end_time: `2026-06-11T16:0${i}:00.000Z`,
          call_direction: i < 3 ? 'outbound' : 'inbound',
          billsec: i * 10,
        }),
      );
    }
    const page = await request(f.app).get(`${BASE}/Call/?limit=2&offset=0&call_direction=outbound`).set(AUTH);
    assert.equal(page.status, 200);
    assert.equal(page.body.objects.length, 2);
    assert.deepEqual(page.body.meta, {
      limit: 2,
      offset: 0,
      next: '/v1/Account/MA_TEST0001/Call/?call_direction=outbound&limit=2&offset=2',
      previous: null,
      total_count: 3,
    });
    assert.ok(page.body.objects.every((o: { call_direction: string }) => o.call_direction === 'outbound'));
    const billed = await request(f.app).get(`${BASE}/Call/?bill_duration__gte=30`).set(AUTH);
    assert.equal(billed.body.meta.total_count, 2);
    const minute = await request(f.app).get(`${BASE}/Call/?end_time=2026-06-11 16:02`).set(AUTH);
    assert.equal(minute.body.meta.total_count, 1);
    const tooMany = await request(f.app).get(`${BASE}/Call/?limit=21`).set(AUTH);
    assert.equal(tooMany.status, 400);
    assert.ok(tooMany.body.details.limit);
  });
});
