import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import {
  bool,
  extraHeaders,
  int,
  method,
  opt,
  sipHeaders,
  withDefault,
} from '../../../schemas/rest/codecs.ts';
import {
  ApplicationUpdateBody,
  CallListQuery,
  CdrQuery,
  DtmfBody,
  MakeCallBody,
  RecordStopBody,
  StreamStartBody,
  TransferBody,
} from '../../../schemas/rest/index.ts';

const ok = <T extends z.ZodType>(s: T, v: unknown): z.output<T> => {
  const r = s.safeParse(v);
  assert.ok(r.success, `${JSON.stringify(v)}: ${r.error?.message}`);
  return r.data;
};
const bad = (s: z.ZodType, v: unknown): string => {
  const r = s.safeParse(v);
  assert.ok(!r.success, `${JSON.stringify(v)} should be refused`);
  return r.error.issues[0].message;
};

describe('REST codecs (type leniency, spec 2.1)', () => {
  test('int: JSON numbers and decimal strings; ranges; caps', () => {
    const s = int({ min: 1, max: 10 });
    assert.equal(ok(s, 5), 5);
    assert.equal(ok(s, '7'), 7);
    assert.equal(ok(s, ' 8 '), 8);
    assert.match(bad(s, '1.5'), /expected an integer 1-10, got "1.5"/);
    assert.match(bad(s, 11), /expected an integer 1-10/);
    assert.match(bad(s, '0'), /expected an integer 1-10/);
    assert.match(bad(s, true), /expected an integer/);
    assert.equal(bad(s, undefined), 'is required');
    assert.equal(ok(int({ min: 1, cap: 86400 }), '100000'), 86400);
  });

  test('bool: true/false and "true"/"false" only', () => {
    assert.equal(ok(bool(), true), true);
    assert.equal(ok(bool(), 'false'), false);
    for (const v of ['yes', 1, 'TRUE', null]) bad(bool(), v);
  });

  test('method: GET/POST in any case, default POST; opt/withDefault treat "" and null as absent', () => {
    assert.equal(ok(method(), 'get'), 'GET');
    assert.equal(ok(method(), undefined), 'POST');
    assert.equal(ok(method(), ''), 'POST');
    bad(method(), 'PUT');
    assert.equal(ok(opt(z.string()), null), undefined);
    assert.equal(ok(withDefault(int({ min: 0 }), 3), ''), 3);
  });

  test('sip_headers: a=b,c=d, letters and digits only; extra_headers: h:v,h:v', () => {
    assert.deepEqual(ok(sipHeaders(), 'a=b,C1=d2'), { a: 'b', C1: 'd2' });
    for (const v of ['a=b c', 'a-b=c', 'a=', '=b', 'a=b,']) bad(sipHeaders(), v);
    assert.deepEqual(ok(extraHeaders(), 'X-A:1,X-B: two'), { 'X-A': '1', 'X-B': 'two' });
    bad(extraHeaders(), 'X-A');
  });
});

describe('REST body schemas', () => {
  test('make call: to split on <, SIP URIs kept, machine_detection "false" off', () => {
    const r = ok(MakeCallBody, {
      from: '1',
      to: 'sip:a@h<+14155550100',
      answer_url: 'https://x.test/a',
      machine_detection: 'false',
    });
    assert.deepEqual(r.to, ['sip:a@h', '+14155550100']);
    assert.equal(r.machineDetection, undefined);
    assert.equal(
      ok(MakeCallBody, { from: '1', to: '22', answer_url: 'https://x.test/a', machine_detection: 'hangup' })
        .machineDetection,
      'hangup',
    );
  });

  test('transfer: legs bleg only needs bleg_url and drops aleg_url', () => {
    const r = ok(TransferBody, { legs: 'bleg', bleg_url: 'http://x.test/b', aleg_url: 'http://x.test/a' });
    assert.deepEqual(r, {
      legs: 'bleg',
      alegUrl: undefined,
      alegMethod: 'POST',
      blegUrl: 'http://x.test/b',
      blegMethod: 'POST',
    });
  });

  test('DTMF: leg, legs, default aleg', () => {
    assert.equal(ok(DtmfBody, { digits: '1' }).leg, 'aleg');
    assert.equal(ok(DtmfBody, { digits: '1', legs: 'both' }).leg, 'both');
  });

  test('record stop: URL or url, URL first', () => {
    assert.deepEqual(ok(RecordStopBody, {}), { url: undefined });
    assert.deepEqual(ok(RecordStopBody, { url: 'http://x.test/u' }), { url: 'http://x.test/u' });
    assert.deepEqual(ok(RecordStopBody, { URL: 'http://x.test/U', url: 'http://x.test/u' }), {
      url: 'http://x.test/U',
    });
  });

  test('stream: JSON boolean true is bidirectional (our reading of spec 8.8)', () => {
    const r = ok(StreamStartBody, { service_url: 'wss://x.test/s', bidirectional: true });
    assert.equal(r.bidirectional, true);
    assert.equal(r.audioTrack, 'inbound');
    assert.equal(
      ok(StreamStartBody, { service_url: 'wss://x.test/s', bidirectional: 'false' }).audioTrack,
      'both',
    );
  });

  test('application update: only what was sent; null and "" clear nullable URLs', () => {
    assert.deepEqual(ok(ApplicationUpdateBody, {}), {});
    assert.deepEqual(ok(ApplicationUpdateBody, { message_url: '', enabled: 'true' }), {
      message_url: null,
      enabled: true,
    });
    bad(ApplicationUpdateBody, { message_url: 'nope' });
  });
});

describe('REST query schemas', () => {
  test('call list: end_time matches the precision written; bill_duration is exact', () => {
    const minute = ok(CallListQuery, { end_time: '2026-06-11 16:02' }).cdr;
    assert.equal(minute.endTimeGte, '2026-06-11T16:02:00.000Z');
    assert.equal(minute.endTimeLt, '2026-06-11T16:03:00.000Z');
    const second = ok(CallListQuery, { end_time: '2026-06-11 16:02:05' }).cdr;
    assert.equal(second.endTimeLt, '2026-06-11T16:02:06.000Z');
    const exact = ok(CallListQuery, { bill_duration: '30' }).cdr;
    assert.equal(exact.billsecGte, 30);
    assert.equal(exact.billsecLte, 30);
    bad(CallListQuery, { end_time: 'yesterday' });
    bad(CallListQuery, { end_time: '2026-13-45 99:99' });
  });

  test('cdr: defaults page 1 / per_page 20; filters mapped; echo with ""', () => {
    const q = ok(CdrQuery, { to_number: '1415', hangup_cause: 'NO_ANSWER' });
    assert.equal(q.page, 1);
    assert.equal(q.perPage, 20);
    assert.equal(q.filter.toNumber, '1415');
    assert.equal(q.filter.hangupCause, 'NO_ANSWER');
    assert.deepEqual(q.echo, {
      call_direction: '',
      from_number: '',
      hangup_cause: 'NO_ANSWER',
      to_number: '1415',
    });
  });
});
