import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CallLimitError, CallLimits, RefusalLog } from '../../../src/callflow/call-limits.ts';
import type { Logger } from '../../../src/util/log.ts';

describe('CallLimits (rest-api 1.8)', () => {
  test('0 means no limit: every start is taken', () => {
    const limits = new CallLimits({ maxCalls: 0, maxCps: 0 }, () => 1e6);
    for (let i = 0; i < 1000; i++) assert.equal(limits.admit(3), undefined);
  });

  test('concurrency: the calls up plus the new ones may not pass the limit', () => {
    let up = 0;
    const limits = new CallLimits({ maxCalls: 3, maxCps: 0 }, () => up);
    assert.equal(limits.admit(3), undefined);
    up = 2;
    assert.equal(limits.admit(), undefined);
    assert.deepEqual(limits.admit(2), { limitType: 'concurrency', limit: 3, current: 2, retryAfter: 1 });
    up = 3;
    assert.equal(limits.admit()?.limitType, 'concurrency');
    up = 0;
    assert.equal(limits.admit(), undefined);
  });

  test('cps: a sliding second; refused starts take no room; Retry-After says when room comes back', () => {
    let now = 10_000;
    const limits = new CallLimits(
      { maxCalls: 0, maxCps: 3 },
      () => 0,
      () => now,
    );
    assert.equal(limits.admit(), undefined); // t = 10.0
    now += 400;
    assert.equal(limits.admit(2), undefined); // t = 10.4
    now += 100;
    assert.deepEqual(limits.admit(), { limitType: 'cps', limit: 3, current: 3, retryAfter: 1 });
    assert.equal(limits.admit()?.current, 3, 'a refused start did not count');
    // 10.0 leaves the window at 11.0: one start fits, not two.
    now = 11_000;
    assert.equal(limits.admit(2)?.limitType, 'cps');
    assert.equal(limits.admit(), undefined);
    assert.equal(limits.admit()?.limitType, 'cps');
    now = 11_400;
    assert.equal(limits.admit(2), undefined);
  });

  test('a long run keeps only the last second of starts', () => {
    let now = 0;
    const limits = new CallLimits(
      { maxCalls: 0, maxCps: 50 },
      () => 0,
      () => now,
    );
    let taken = 0;
    for (let i = 0; i < 100_000; i++) {
      now += 5; // 200 asked a second
      if (!limits.admit()) taken++;
    }
    // 50 a second over 500 s.
    assert.ok(Math.abs(taken - 25_000) <= 50, `${taken} taken`);
    assert.ok((limits as unknown as { starts: number[] }).starts.length < 500, 'the list was compacted');
  });

  test('overload: a loop busy at the limit or more refuses every start; below it, none', () => {
    let busy = 0.979;
    const limits = new CallLimits(
      { maxCalls: 0, maxCps: 0, maxLoopLoad: 98 },
      () => 0,
      () => 0,
      () => 0,
      () => busy,
    );
    assert.equal(limits.admit(), undefined);
    busy = 0.985;
    assert.deepEqual(limits.admit(), {
      limitType: 'overload',
      limit: 98,
      current: 98,
      retryAfter: 1,
      measure: 'load',
    });
    busy = 1;
    const e = new CallLimitError(limits.admit() as NonNullable<ReturnType<CallLimits['admit']>>);
    assert.equal(e.code, 'UNAVAILABLE');
    assert.equal(e.message, 'overloaded: the event loop was busy 100 % of the last seconds (limit 98 %)');
    busy = 0.5;
    assert.equal(limits.admit(), undefined);
  });

  test('a refusal as a REST error: code BUSY, its message names the limit', () => {
    const e = new CallLimitError({ limitType: 'cps', limit: 2, current: 2, retryAfter: 1 });
    assert.equal(e.code, 'BUSY');
    assert.match(e.message, /calls per second limit reached \(2 of 2/);
  });
});

describe('RefusalLog', () => {
  test('the first refusal of a burst at once, then one line a second with the count between', () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = { warn: (o: Record<string, unknown>) => lines.push(o) } as unknown as Logger;
    let now = 0;
    const refusals = new RefusalLog(log, () => now);
    const r = { limitType: 'concurrency', limit: 1, current: 1, retryAfter: 1 } as const;
    for (let i = 0; i < 100; i++) {
      refusals.note(r, `c${i}`);
      now += 25;
    }
    assert.deepEqual(
      lines.map((l) => [l.callId, l.refusedSinceLastLine]),
      [
        ['c0', 0],
        ['c40', 39],
        ['c80', 39],
      ],
    );
  });
});
