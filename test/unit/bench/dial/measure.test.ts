import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bestWithin } from '../../../../bench/dial/measure.ts';
import { distribution } from '../../../../bench/dial/pdd.ts';
import type { DialProbeResult } from '../../../../bench/dial/probe.ts';

/** A probe at `rate` whose delays without webhook are `values` (ms). */
function probe(rate: number, ok: boolean, values: number[] | null): DialProbeResult {
  const d = values ? distribution(values) : null;
  return {
    rate,
    ok,
    pdd: d
      ? {
          calls: values?.length ?? 0,
          warmup: 0,
          reachedCallee: values?.length ?? 0,
          pdd: d,
          webhook: null,
          pddWithoutWebhook: d,
          beforeWebhook: null,
          afterWebhook: null,
          setup: null,
          span: null,
        }
      : null,
  } as DialProbeResult;
}

describe('bestWithin', () => {
  test('the highest passing rate whose p99 delay is within the limit', () => {
    const probes = [
      probe(100, true, [2, 5]),
      probe(200, true, [3, 60]),
      probe(400, false, [3, 20]),
      probe(250, true, [3, 150]),
      probe(300, true, null),
    ];
    assert.deepEqual(bestWithin(probes, 100), { rate: 200, pddP99: 60 });
    assert.deepEqual(bestWithin(probes, 10), { rate: 100, pddP99: 5 });
    assert.equal(bestWithin(probes, 1), null);
    assert.equal(bestWithin([], 100), null);
  });
});
