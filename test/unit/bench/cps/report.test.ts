import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TargetResult } from '../../../../bench/cps/measure-target.ts';
import { parseCpsArgs } from '../../../../bench/cps/options.ts';
import type { ProbeResult } from '../../../../bench/cps/probe.ts';
import { buildReport, formatTable } from '../../../../bench/cps/report.ts';

function probe(rate: number, ok: boolean): ProbeResult {
  return {
    rate,
    ok,
    reason: ok ? null : 'failed-calls',
    calls: rate * 20,
    cps: rate - 5,
    seconds: 20,
    cpu: {},
    uac: null,
    uas: null,
    exitCodes: { uac: ok ? 0 : 1, uas: null },
    udpRcvbufErrors: 0,
    socketDrops: {},
    loadAverage: 0,
    targetState: null,
    logDir: '/tmp',
  };
}

describe('report', () => {
  test('the JSON carries the run settings, the machine and every target with its probes', () => {
    const targets: TargetResult[] = [
      {
        target: 'kamailio',
        path: 'SIPp UAC -> Kamailio -> SIPp UAS',
        best: { rate: 3000, cps: 2992.8, cpu: { uac: 20.3, uas: 20.5, kamailio: 112.8 } },
        probes: [probe(2000, true), probe(4000, false), probe(3000, true)],
      },
      { target: 'patchbay', path: 'SIPp UAC -> Patchbay test UAS', best: null, probes: [], error: 'no UA' },
    ];
    const report = buildReport(parseCpsArgs(['--seconds', '20']), targets, 4194304, 0.2);
    assert.equal(report.bench, 'sip-cps');
    assert.equal(report.node, process.version);
    assert.ok(report.machine.cores >= 1);
    assert.equal(report.machine.rmemMax, 4194304);
    assert.equal(report.settings.seconds, 20);
    assert.ok(!Number.isNaN(Date.parse(report.date)));
    assert.equal(report.targets, targets);

    const table = formatTable(report).split('\n');
    assert.equal(table.length, 4);
    assert.match(table[0], /\| target +\| path +\| best rate +\| achieved cps +\| CPU/);
    assert.match(
      table[2],
      /\| kamailio +\|.*\| 3000 +\| 2992\.8 +\| uac 20\.3, uas 20\.5, kamailio 112\.8 +\| 2000 4000✗ 3000 \|/,
    );
    assert.match(table[3], /\| patchbay +\|.*\| error +\| +\| +\| no UA +\|/);
  });
});
