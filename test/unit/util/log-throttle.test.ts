import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogThrottle } from '../../../src/util/log-throttle.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

test('lets `limit` events through per window and reports the suppressed count when the next opens', () => {
  const clock = new FakeClock();
  const throttle = new LogThrottle(3, 1000, clock);
  const reported: number[] = [];
  const report = (n: number) => reported.push(n);
  const allowed = Array.from({ length: 10 }, () => throttle.allow(report));
  assert.deepEqual(allowed, [true, true, true, false, false, false, false, false, false, false]);
  assert.deepEqual(reported, []);
  clock.advance(999);
  assert.equal(throttle.allow(report), false);
  clock.advance(1);
  assert.equal(throttle.allow(report), true);
  assert.deepEqual(reported, [8]);
  clock.advance(5000);
  assert.equal(throttle.allow(report), true);
  assert.deepEqual(reported, [8], 'nothing suppressed in the previous window: no report');
});
