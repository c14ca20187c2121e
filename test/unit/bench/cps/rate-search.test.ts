import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type SearchPlan, searchRate } from '../../../../bench/cps/rate-search.ts';

/** A target that passes every rate up to `limit`. */
function target(limit: number) {
  const tried: number[] = [];
  const probe = async (rate: number) => {
    tried.push(rate);
    return { rate, ok: rate <= limit };
  };
  return { tried, probe };
}

const plan = (over: Partial<SearchPlan> = {}): SearchPlan => ({
  rates: null,
  start: 1000,
  step: 1000,
  max: 64000,
  ...over,
});

describe('searchRate', () => {
  test('doubles, then climbs in steps from the last pass and stops at the first failure', async () => {
    const t = target(17500);
    const r = await searchRate(plan(), t.probe);
    assert.deepEqual(t.tried, [1000, 2000, 4000, 8000, 16000, 32000, 17000, 18000]);
    assert.equal(r.best, 17000);
    assert.deepEqual(
      r.probes.map((p) => p.ok),
      [true, true, true, true, true, false, true, false],
    );
  });

  test('never probes the failed coarse rate again', async () => {
    const t = target(3000);
    const r = await searchRate(plan(), t.probe);
    assert.deepEqual(t.tried, [1000, 2000, 4000, 3000]);
    assert.equal(r.best, 3000);
  });

  test('an explicit ladder is climbed in order until the first failure', async () => {
    const t = target(2500);
    const r = await searchRate(plan({ rates: [1000, 2000, 3000, 4000] }), t.probe);
    assert.deepEqual(t.tried, [1000, 2000, 3000]);
    assert.equal(r.best, 2000);
  });

  test('halves below the start rate when the start rate already fails', async () => {
    const t = target(300);
    const r = await searchRate(plan(), t.probe);
    assert.deepEqual(t.tried, [1000, 500, 250]);
    assert.equal(r.best, 250);
    const none = target(10);
    assert.equal((await searchRate(plan({ floor: 200 }), none.probe)).best, null);
    assert.deepEqual(none.tried, [1000, 500, 250]);
  });

  test('stays at or below the maximum rate', async () => {
    const t = target(1_000_000);
    const r = await searchRate(plan({ max: 5000 }), t.probe);
    assert.deepEqual(t.tried, [1000, 2000, 4000, 5000]);
    assert.equal(r.best, 5000);
  });
});
