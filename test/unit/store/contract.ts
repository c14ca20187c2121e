/**
 * The store contract: one suite that every backend must pass (memory and Redis). Each test
 * gets a fresh, empty store from the factory.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { type CdrFilter, type CdrRecord, type Store, StoreError } from '../../../src/store/types.ts';
import { application, cdr, liveCall, node, recording } from './fixtures.ts';

const isCode = (code: StoreError['code']) => (err: unknown) => err instanceof StoreError && err.code === code;
const ids = <T>(xs: T[], f: (x: T) => string) => xs.map(f);

export interface StoreFactory {
  /** A fresh, empty store. */
  open(): Promise<Store>;
}

export function storeContract(label: string, factory: StoreFactory): void {
  describe(`store contract: ${label}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await factory.open();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('calls', () => {
      test('put / get round trip; put replaces; unknown is undefined; records are copies', async () => {
        const c = liveCall('c1', { call_status: 'ringing', answered_at: undefined });
        await store.calls.put(c);
        c.from = 'mutated after put';
        const got = await store.calls.get('c1');
        assert.deepEqual(got, liveCall('c1', { call_status: 'ringing', answered_at: undefined }));
        got!.to = 'mutated after get';
        assert.equal((await store.calls.get('c1'))!.to, '14155550199');
        await store.calls.put(liveCall('c1', { call_status: 'in-progress', parent_call_uuid: 'p1' }));
        assert.deepEqual(await store.calls.get('c1'), liveCall('c1', { parent_call_uuid: 'p1' }));
        assert.equal(await store.calls.get('nope'), undefined);
        assert.equal((await store.calls.list()).length, 1, 'a replaced call is listed once');
      });

      test('remove: true when it was there, then false; gone from get and list', async () => {
        await store.calls.put(liveCall('c1'));
        await store.calls.put(liveCall('c2'));
        assert.equal(await store.calls.remove('c1'), true);
        assert.equal(await store.calls.remove('c1'), false);
        assert.equal(await store.calls.remove('never'), false);
        assert.equal(await store.calls.get('c1'), undefined);
        assert.deepEqual(
          ids(await store.calls.list(), (c) => c.call_uuid),
          ['c2'],
        );
        assert.deepEqual(await store.calls.list({ status: 'in-progress' }).then((l) => l.length), 1);
      });

      test('list: oldest first by initiated_at, ties by uuid', async () => {
        await store.calls.put(liveCall('b', { initiated_at: '2026-01-10T10:00:03.000Z' }));
        await store.calls.put(liveCall('z', { initiated_at: '2026-01-10T10:00:01.000Z' }));
        await store.calls.put(liveCall('c', { initiated_at: '2026-01-10T10:00:02.000Z' }));
        await store.calls.put(liveCall('a', { initiated_at: '2026-01-10T10:00:02.000Z' }));
        assert.deepEqual(
          ids(await store.calls.list(), (c) => c.call_uuid),
          ['z', 'a', 'c', 'b'],
        );
        assert.deepEqual(
          ids(await store.calls.list({}), (c) => c.call_uuid),
          ['z', 'a', 'c', 'b'],
        );
      });

      test('list: each filter, alone and combined', async () => {
        const t = (s: number) => `2026-01-10T10:00:0${s}.000Z`;
        await store.calls.put(
          liveCall('q1', { call_status: 'queued', direction: 'outbound', initiated_at: t(1) }),
        );
        await store.calls.put(liveCall('r1', { call_status: 'ringing', from: '100', initiated_at: t(2) }));
        await store.calls.put(liveCall('p1', { to: '200', node_id: 'node-b', initiated_at: t(3) }));
        await store.calls.put(
          liveCall('p2', {
            direction: 'outbound',
            from: '100',
            to: '200',
            node_id: 'node-b',
            initiated_at: t(4),
          }),
        );
        const list = async (f: Parameters<Store['calls']['list']>[0]) =>
          ids(await store.calls.list(f), (c) => c.call_uuid);
        assert.deepEqual(await list({ status: 'queued' }), ['q1']);
        assert.deepEqual(await list({ status: 'ringing' }), ['r1']);
        assert.deepEqual(await list({ status: 'in-progress' }), ['p1', 'p2']);
        assert.deepEqual(await list({ status: ['ringing', 'in-progress'] }), ['r1', 'p1', 'p2']);
        assert.deepEqual(await list({ status: [] }), []);
        assert.deepEqual(await list({ direction: 'outbound' }), ['q1', 'p2']);
        assert.deepEqual(await list({ direction: 'inbound' }), ['r1', 'p1']);
        assert.deepEqual(await list({ from: '100' }), ['r1', 'p2']);
        assert.deepEqual(await list({ from: '10' }), [], 'from is an exact match');
        assert.deepEqual(await list({ to: '200' }), ['p1', 'p2']);
        assert.deepEqual(await list({ nodeId: 'node-b' }), ['p1', 'p2']);
        assert.deepEqual(await list({ nodeId: 'node-a' }), ['q1', 'r1']);
        assert.deepEqual(await list({ nodeId: 'node-c' }), []);
        assert.deepEqual(
          await list({ status: 'in-progress', direction: 'outbound', from: '100', to: '200' }),
          ['p2'],
        );
        assert.deepEqual(await list({ status: 'queued', nodeId: 'node-b' }), []);
      });
    });

    describe('cdrs', () => {
      test('add / get; unknown is undefined; adding the same uuid again replaces it', async () => {
        await store.cdrs.add(cdr('u1'));
        assert.deepEqual(await store.cdrs.get('u1'), cdr('u1'));
        assert.equal(await store.cdrs.get('u2'), undefined);
        await store.cdrs.add(cdr('u1', { hangup_cause: 'USER_BUSY' }));
        assert.equal((await store.cdrs.get('u1'))!.hangup_cause, 'USER_BUSY');
        const all = await store.cdrs.query({}, { offset: 0, limit: 10 });
        assert.equal(all.total, 1);
        assert.deepEqual(all.data, [cdr('u1', { hangup_cause: 'USER_BUSY' })]);
      });

      test('query: newest first by end_time (ties by uuid, descending), paging, total', async () => {
        const end = (m: number) => `2026-01-10T10:0${m}:00.000Z`;
        for (const [u, m] of [
          ['a', 3],
          ['b', 1],
          ['c', 5],
          ['d', 3],
          ['e', 2],
        ] as const) {
          await store.cdrs.add(cdr(u, { end_time: end(m) }));
        }
        const page = async (offset: number, limit: number) => {
          const r = await store.cdrs.query({}, { offset, limit });
          return { uuids: ids(r.data, (x) => x.uuid), total: r.total };
        };
        assert.deepEqual(await page(0, 10), { uuids: ['c', 'd', 'a', 'e', 'b'], total: 5 });
        assert.deepEqual(await page(0, 2), { uuids: ['c', 'd'], total: 5 });
        assert.deepEqual(await page(2, 2), { uuids: ['a', 'e'], total: 5 });
        assert.deepEqual(await page(4, 2), { uuids: ['b'], total: 5 });
        assert.deepEqual(await page(9, 2), { uuids: [], total: 5 });
        assert.deepEqual(await page(0, 0), { uuids: [], total: 5 });
      });

      test('query: every CdrFilter field', async () => {
        const fixtures: CdrRecord[] = [
          cdr('k1', {
            caller_id_number: '+14155550100',
            destination_number: '919876543210',
            start_time: '2026-01-09T23:59:00.000Z',
            end_time: '2026-01-10T00:01:00.000Z',
            duration: 120,
            billsec: 100,
            call_direction: 'outbound',
            bridge_uuid: 'br-1',
            parent_call_uuid: 'parent-1',
            hangup_source: 'Callee',
            hangup_disposition: 'send_bye',
          }),
          cdr('k2', {
            caller_id_number: 'alice',
            caller_id_name: 'Bob Smith',
            destination_number: '14155550199',
            start_time: '2026-01-10T08:00:00.000Z',
            end_time: '2026-01-10T08:00:10.000Z',
            answer_time: null,
            duration: 10,
            billsec: 0,
            hangup_cause: 'NO_ANSWER',
            hangup_cause_code: 3010,
            hangup_disposition: 'send_cancel',
          }),
          cdr('k3', {
            start_time: '2026-01-11T12:00:00.000Z',
            end_time: '2026-01-11T12:00:30.000Z',
            duration: 30,
            billsec: 30,
            context: 'sip-trunking',
            sip_call_id: 'special-call-id@host',
          }),
        ];
        for (const f of fixtures) await store.cdrs.add(f);
        const q = async (filter: CdrFilter) =>
          ids((await store.cdrs.query(filter, { offset: 0, limit: 10 })).data, (x) => x.uuid);
        const cases: Array<[CdrFilter, string[]]> = [
          [{ fromNumber: '4155550100' }, ['k3', 'k1']],
          [{ fromNumber: '+1415' }, ['k3', 'k1']],
          [{ fromNumber: 'ALI' }, ['k2']],
          [{ toNumber: '98765' }, ['k1']],
          [{ toNumber: '+14155550199' }, ['k3', 'k2']],
          [{ startDate: '2026-01-10' }, ['k3', 'k2']],
          [{ endDate: '2026-01-10' }, ['k2', 'k1']],
          [{ startDate: '2026-01-10', endDate: '2026-01-10' }, ['k2']],
          [{ startDate: '2026-01-09', endDate: '2026-01-09' }, ['k1']],
          [{ callDirection: 'outbound' }, ['k1']],
          [{ callDirection: 'inbound' }, ['k3', 'k2']],
          [{ minDuration: 30 }, ['k3', 'k1']],
          [{ minDuration: 31 }, ['k1']],
          [{ sipCallId: 'special-call-id@host' }, ['k3']],
          [{ sipCallId: 'special' }, []],
          [{ bridgeUuid: 'br-1' }, ['k1']],
          [{ hangupCause: 'NO_ANSWER' }, ['k2']],
          [{ hangupCauseCode: 4000 }, ['k3', 'k1']],
          [{ hangupCauseCode: 3010 }, ['k2']],
          [{ hangupSource: 'Callee' }, ['k1']],
          [{ hangupDisposition: 'send_cancel' }, ['k2']],
          [{ context: 'sip-trunking' }, ['k3']],
          [{ context: 'voice-api' }, ['k2', 'k1']],
          [{ parentCallUuid: 'parent-1' }, ['k1']],
          [{ search: 'bob' }, ['k2']],
          [{ search: 'k3' }, ['k3']],
          [{ search: 'SPECIAL-CALL' }, ['k3']],
          [{ search: '9876' }, ['k1']],
          [{ search: 'nothing-like-this' }, []],
          [{ billsecGt: 30 }, ['k1']],
          [{ billsecGte: 30 }, ['k3', 'k1']],
          [{ billsecLt: 30 }, ['k2']],
          [{ billsecLte: 30 }, ['k3', 'k2']],
          [{ endTimeGt: '2026-01-10T08:00:10.000Z' }, ['k3']],
          [{ endTimeGte: '2026-01-10T08:00:10.000Z' }, ['k3', 'k2']],
          [{ endTimeLt: '2026-01-10T08:00:10.000Z' }, ['k1']],
          [{ endTimeLte: '2026-01-10T08:00:10.000Z' }, ['k2', 'k1']],
          [{ endTimeGte: '2026-01-10T00:00:00Z', endTimeLt: '2026-01-11T00:00:00Z' }, ['k2', 'k1']],
          [{ endTimeGt: '2026-01-10 08:00:09' }, ['k3', 'k2']],
          [{ callDirection: 'inbound', billsecGte: 1 }, ['k3']],
          [{ startDate: '2026-01-12' }, []],
        ];
        for (const [filter, want] of cases) {
          assert.deepEqual(await q(filter), want, JSON.stringify(filter));
        }
      });

      test('query: total and summary over the whole filtered set, not the page', async () => {
        await store.cdrs.add(cdr('s1', { duration: 60, billsec: 50, end_time: '2026-01-10T10:01:00.000Z' }));
        await store.cdrs.add(cdr('s2', { duration: 20, billsec: 15, end_time: '2026-01-10T10:03:00.000Z' }));
        await store.cdrs.add(
          cdr('s3', { duration: 5, billsec: 0, answer_time: null, end_time: '2026-01-10T10:02:00.000Z' }),
        );
        await store.cdrs.add(cdr('o1', { call_direction: 'outbound', duration: 1000, billsec: 999 }));
        const r = await store.cdrs.query({ callDirection: 'inbound' }, { offset: 0, limit: 1 });
        assert.deepEqual(
          ids(r.data, (x) => x.uuid),
          ['s2'],
        );
        assert.equal(r.total, 3);
        assert.deepEqual(r.summary, {
          totalCalls: 3,
          answeredCalls: 2,
          answerRate: 66.67,
          avgCallDuration: '28s',
          total_duration_seconds: 85,
          total_billable_seconds: 65,
          total_cost: 0,
          last_call_at: '2026-01-10T10:03:00.000Z',
        });
        const none = await store.cdrs.query({ hangupCause: 'NOPE' }, { offset: 0, limit: 20 });
        assert.deepEqual(none, {
          data: [],
          total: 0,
          summary: {
            totalCalls: 0,
            answeredCalls: 0,
            answerRate: 0,
            avgCallDuration: '0s',
            total_duration_seconds: 0,
            total_billable_seconds: 0,
            total_cost: 0,
            last_call_at: null,
          },
        });
      });
    });

    describe('recordings', () => {
      test('add / get / remove', async () => {
        await store.recordings.add(recording('r1'));
        assert.deepEqual(await store.recordings.get('r1'), recording('r1'));
        assert.equal(await store.recordings.get('r2'), undefined);
        assert.equal(await store.recordings.remove('r1'), true);
        assert.equal(await store.recordings.remove('r1'), false);
        assert.equal(await store.recordings.get('r1'), undefined);
        assert.deepEqual(await store.recordings.list({}, { offset: 0, limit: 20 }), {
          objects: [],
          total: 0,
        });
        assert.deepEqual(await store.recordings.list({ callUuid: 'call-1' }, { offset: 0, limit: 20 }), {
          objects: [],
          total: 0,
        });
      });

      test('list: newest first by add_time, filters by call and type, paging, total', async () => {
        const at = (s: number) => `2026-01-10 10:00:0${s}.000000+00:00`;
        await store.recordings.add(recording('r1', { add_time: at(1), call_uuid: 'A' }));
        await store.recordings.add(recording('r2', { add_time: at(4), call_uuid: 'B' }));
        await store.recordings.add(
          recording('r3', {
            add_time: at(3),
            call_uuid: 'A',
            recording_type: 'conference',
            conference_name: 'room',
          }),
        );
        await store.recordings.add(recording('r4', { add_time: at(2), call_uuid: 'A' }));
        await store.recordings.add(
          recording('r0', { add_time: at(2), call_uuid: 'C', recording_type: 'trunk' }),
        );
        const list = async (f: Parameters<Store['recordings']['list']>[0], offset = 0, limit = 20) => {
          const r = await store.recordings.list(f, { offset, limit });
          return { ids: ids(r.objects, (x) => x.recording_id), total: r.total };
        };
        assert.deepEqual(await list({}), { ids: ['r2', 'r3', 'r4', 'r0', 'r1'], total: 5 });
        assert.deepEqual(await list({}, 1, 2), { ids: ['r3', 'r4'], total: 5 });
        assert.deepEqual(await list({}, 5, 2), { ids: [], total: 5 });
        assert.deepEqual(await list({ callUuid: 'A' }), { ids: ['r3', 'r4', 'r1'], total: 3 });
        assert.deepEqual(await list({ callUuid: 'A' }, 1, 1), { ids: ['r4'], total: 3 });
        assert.deepEqual(await list({ recordingType: 'call' }), { ids: ['r2', 'r4', 'r1'], total: 3 });
        assert.deepEqual(await list({ recordingType: 'call' }, 2, 5), { ids: ['r1'], total: 3 });
        assert.deepEqual(await list({ recordingType: 'trunk' }), { ids: ['r0'], total: 1 });
        assert.deepEqual(await list({ callUuid: 'A', recordingType: 'call' }), {
          ids: ['r4', 'r1'],
          total: 2,
        });
        assert.deepEqual(await list({ callUuid: 'nope' }), { ids: [], total: 0 });
        assert.equal(await store.recordings.remove('r4'), true);
        assert.deepEqual(await list({ callUuid: 'A' }), { ids: ['r3', 'r1'], total: 2 });
        assert.deepEqual(await list({ recordingType: 'call' }), { ids: ['r2', 'r1'], total: 2 });
        assert.deepEqual(await list({}), { ids: ['r2', 'r3', 'r0', 'r1'], total: 4 });
      });
    });

    describe('applications', () => {
      test('create / get; duplicate create is CONFLICT and changes nothing', async () => {
        await store.applications.create(application('1001'));
        assert.deepEqual(await store.applications.get('1001'), application('1001'));
        assert.equal(await store.applications.get('9999'), undefined);
        await assert.rejects(
          store.applications.create(application('1001', { app_name: 'other' })),
          isCode('CONFLICT'),
        );
        assert.equal((await store.applications.get('1001'))!.app_name, 'app_1001');
        assert.equal((await store.applications.list({ offset: 0, limit: 20 })).total, 1);
      });

      test('list: oldest first by created_at (ties by id), paging, total', async () => {
        const at = (s: number) => `2026-01-10 10:00:0${s}.000000+00:00`;
        await store.applications.create(application('30', { created_at: at(3) }));
        await store.applications.create(application('10', { created_at: at(1) }));
        await store.applications.create(application('21', { created_at: at(2) }));
        await store.applications.create(application('20', { created_at: at(2) }));
        const list = async (offset: number, limit: number) => {
          const r = await store.applications.list({ offset, limit });
          return { ids: ids(r.objects, (x) => x.app_id), total: r.total };
        };
        assert.deepEqual(await list(0, 20), { ids: ['10', '20', '21', '30'], total: 4 });
        assert.deepEqual(await list(1, 2), { ids: ['20', '21'], total: 4 });
        assert.deepEqual(await list(4, 2), { ids: [], total: 4 });
        assert.deepEqual(await list(0, 0), { ids: [], total: 4 });
      });

      test('update: applies the fields given, keeps the rest; unknown app is undefined', async () => {
        await store.applications.create(application('1001'));
        const patch = {
          answer_url: 'http://127.0.0.1/new',
          answer_method: 'GET' as const,
          fallback_answer_url: 'http://127.0.0.1/fb',
          enabled: false,
          updated_at: '2026-01-11 00:00:00.000000+00:00',
          app_name: undefined,
        };
        const want = { ...application('1001'), ...patch, app_name: 'app_1001' };
        assert.deepEqual(await store.applications.update('1001', patch), want);
        assert.deepEqual(await store.applications.get('1001'), want);
        assert.equal(await store.applications.update('9999', { enabled: false }), undefined);
        assert.equal(await store.applications.get('9999'), undefined);
        // app_id and created_at are not for update, whatever a caller passes at run time.
        const sneaky = { app_id: 'x', created_at: 'y', app_name: 'renamed' } as Parameters<
          Store['applications']['update']
        >[1];
        const after = await store.applications.update('1001', sneaky);
        assert.equal(after!.app_id, '1001');
        assert.equal(after!.created_at, application('1001').created_at);
        assert.equal(after!.app_name, 'renamed');
      });

      test('remove: refused (CONFLICT) while numbers are attached; true, then false', async () => {
        await store.applications.create(application('1001'));
        await store.applications.attachNumber('14155550100', '1001');
        await store.applications.attachNumber('alice', '1001');
        await assert.rejects(store.applications.remove('1001'), (err: unknown) => {
          assert.ok(isCode('CONFLICT')(err));
          assert.match((err as Error).message, /2 phone numbers/);
          return true;
        });
        assert.ok(await store.applications.get('1001'), 'still there after a refused remove');
        assert.equal(await store.applications.detachNumber('14155550100'), true);
        await assert.rejects(store.applications.remove('1001'), isCode('CONFLICT'));
        assert.equal(await store.applications.detachNumber('alice'), true);
        assert.equal(await store.applications.remove('1001'), true);
        assert.equal(await store.applications.remove('1001'), false);
        assert.equal(await store.applications.get('1001'), undefined);
        assert.deepEqual(await store.applications.list({ offset: 0, limit: 20 }), { objects: [], total: 0 });
      });

      test('attach / detach / numbersOf; re-attaching moves a number; unknown app is NOT_FOUND', async () => {
        await store.applications.create(application('1'));
        await store.applications.create(application('2'));
        await store.applications.attachNumber('300', '1');
        await store.applications.attachNumber('100', '1');
        await store.applications.attachNumber('bob', '2');
        assert.deepEqual(await store.applications.numbersOf('1'), ['100', '300']);
        assert.deepEqual(await store.applications.numbersOf('2'), ['bob']);
        assert.deepEqual(await store.applications.numbersOf('3'), []);
        await store.applications.attachNumber('100', '2');
        assert.deepEqual(await store.applications.numbersOf('1'), ['300']);
        assert.deepEqual(await store.applications.numbersOf('2'), ['100', 'bob']);
        await store.applications.attachNumber('100', '2');
        assert.deepEqual(
          await store.applications.numbersOf('2'),
          ['100', 'bob'],
          'attaching twice is harmless',
        );
        await assert.rejects(store.applications.attachNumber('555', '404'), isCode('NOT_FOUND'));
        assert.deepEqual(await store.applications.numbersOf('404'), []);
        assert.equal(await store.applications.detachNumber('100'), true);
        assert.equal(await store.applications.detachNumber('100'), false);
        assert.deepEqual(await store.applications.numbersOf('2'), ['bob']);
      });

      test('route: attached number, else the default_app (the oldest), else undefined', async () => {
        const at = (s: number) => `2026-01-10 10:00:0${s}.000000+00:00`;
        await store.applications.create(application('plain', { created_at: at(1) }));
        assert.equal(await store.applications.route('100'), undefined, 'no attachment, no default');
        await store.applications.attachNumber('100', 'plain');
        assert.equal((await store.applications.route('100'))?.app_id, 'plain');
        assert.equal(await store.applications.route('200'), undefined);
        await store.applications.create(application('def-late', { default_app: true, created_at: at(5) }));
        await store.applications.create(application('def-early', { default_app: true, created_at: at(3) }));
        assert.equal((await store.applications.route('200'))?.app_id, 'def-early');
        assert.deepEqual(await store.applications.route('alice'), await store.applications.get('def-early'));
        assert.equal((await store.applications.route('100'))?.app_id, 'plain', 'attachment wins');
        await store.applications.update('def-early', { default_app: false });
        assert.equal((await store.applications.route('200'))?.app_id, 'def-late');
        await store.applications.update('plain', { default_app: true, answer_url: 'http://127.0.0.1/v2' });
        const routed = await store.applications.route('200');
        assert.equal(routed?.app_id, 'plain', 'made default by update; the oldest default');
        assert.equal(routed?.answer_url, 'http://127.0.0.1/v2', 'route returns the current record');
        await store.applications.detachNumber('100');
        await store.applications.update('plain', { default_app: false });
        await store.applications.remove('def-late');
        assert.equal(await store.applications.route('100'), undefined);
      });
    });

    // The factory opens every store as node-a: node-a is the store's own node, others are foreign.
    describe('nodes', () => {
      test('register / get round trip; register replaces; unknown is undefined; records are copies', async () => {
        const own = node('node-a');
        await store.nodes.register(own);
        own.api_url = 'mutated after register';
        const got = await store.nodes.get('node-a');
        assert.deepEqual(got, node('node-a'));
        got!.api_url = 'mutated after get';
        assert.deepEqual(await store.nodes.get('node-a'), node('node-a'));
        await store.nodes.register(node('node-b', { api_url: 'http://127.0.0.1:9001' }));
        await store.nodes.register(node('node-b', { api_url: 'http://127.0.0.1:9002' }));
        assert.equal((await store.nodes.get('node-b'))?.api_url, 'http://127.0.0.1:9002');
        assert.equal(await store.nodes.get('node-z'), undefined);
        assert.equal((await store.nodes.list()).length, 2, 'a re-registered node is listed once');
      });

      test('list: oldest first by started_at, ties by node_id', async () => {
        await store.nodes.register(node('node-c', { started_at: '2026-01-10T09:00:03.000Z' }));
        await store.nodes.register(node('node-b', { started_at: '2026-01-10T09:00:01.000Z' }));
        await store.nodes.register(node('node-a', { started_at: '2026-01-10T09:00:02.000Z' }));
        await store.nodes.register(node('node-0', { started_at: '2026-01-10T09:00:02.000Z' }));
        assert.deepEqual(
          ids(await store.nodes.list(), (n) => n.node_id),
          ['node-b', 'node-0', 'node-a', 'node-c'],
        );
        assert.deepEqual(
          (await store.nodes.list())[2],
          node('node-a', { started_at: '2026-01-10T09:00:02.000Z' }),
        );
      });

      test('remove: true when it was there, then false; gone from get and list (own and foreign)', async () => {
        await store.nodes.register(node('node-a'));
        await store.nodes.register(node('node-b'));
        assert.equal(await store.nodes.remove('node-a'), true);
        assert.equal(await store.nodes.remove('node-a'), false);
        assert.equal(await store.nodes.get('node-a'), undefined);
        assert.deepEqual(
          ids(await store.nodes.list(), (n) => n.node_id),
          ['node-b'],
        );
        assert.equal(await store.nodes.remove('node-b'), true);
        assert.equal(await store.nodes.remove('never'), false);
        assert.deepEqual(await store.nodes.list(), []);
        // Registering again after a removal works (a node that restarts).
        await store.nodes.register(node('node-a', { started_at: '2026-01-10T10:00:00.000Z' }));
        assert.equal((await store.nodes.get('node-a'))?.started_at, '2026-01-10T10:00:00.000Z');
      });

      test('nodes and calls are separate: a call and a node with the same id do not collide', async () => {
        await store.calls.put(liveCall('same-id'));
        await store.nodes.register(node('same-id'));
        assert.equal(await store.nodes.remove('same-id'), true);
        assert.ok(await store.calls.get('same-id'));
        assert.equal(await store.nodes.get('same-id'), undefined);
      });
    });

    test('close resolves', async () => {
      await store.close();
    });
  });
}
