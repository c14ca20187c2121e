import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DialTargetResult } from '../../../../bench/dial/measure.ts';
import { parseDialArgs } from '../../../../bench/dial/options.ts';
import { buildDialReport, formatDialTables } from '../../../../bench/dial/report.ts';

function target(name: 'kamailio' | 'patchbay', rate: number | null): DialTargetResult {
  return {
    target: name,
    path: name,
    best:
      rate === null ? null : { rate, cps: rate, cpu: { [name]: 50 }, cpuMsPerCall: { [name]: 1 }, pdd: null },
    bestWithinPdd: rate === null ? null : { rate: rate / 2, pddP99: 12.5 },
    idleCpu: null,
    light: null,
    probes: [],
  };
}

describe('dial-cps report', () => {
  test('the summary compares the best rates with the 1/3 target', () => {
    const opts = parseDialArgs([]);
    const met = buildDialReport(opts, [target('kamailio', 3000), target('patchbay', 1000)], 4194304, 0.1);
    assert.deepEqual(met.summary, { kamailio: 3000, patchbay: 1000, ratio: 0.333, targetMet: true });
    const below = buildDialReport(opts, [target('kamailio', 3000), target('patchbay', 999)], null, 0);
    assert.equal(below.summary.targetMet, false);
    const missing = buildDialReport(opts, [target('kamailio', 3000), target('patchbay', null)], null, 0);
    assert.deepEqual(missing.summary, { kamailio: 3000, patchbay: null, ratio: null, targetMet: null });
    assert.equal(met.bench, 'dial-cps');
    assert.deepEqual(met.settings.targets, ['kamailio', 'patchbay']);
    assert.equal('out' in met.settings, false);
  });

  test('the tables name each target, its best rate and the verdict', () => {
    const report = buildDialReport(
      parseDialArgs([]),
      [target('kamailio', 3000), target('patchbay', 300)],
      null,
      0,
    );
    const text = formatDialTables(report);
    assert.match(text, /\| target +\| best rate .*\| best with p99 pdd <= 100 ms \| probes +\|/);
    assert.match(text, /\| kamailio \| 3000 .*\| 1500 \(p99 12\.5\) +\| +\|/);
    assert.match(text, /\| patchbay \| 300 /);
    assert.match(text, /patchbay \/ kamailio = 300 \/ 3000 = 0\.1: target \(>= 1\/3\) NOT met/);
  });
});
