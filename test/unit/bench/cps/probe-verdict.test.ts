import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ProbeResult, udpRcvbufErrors, verdict } from '../../../../bench/cps/probe.ts';
import type { SippStats } from '../../../../bench/cps/sipp-stats.ts';

function stats(over: Partial<SippStats> = {}): SippStats {
  return {
    created: 2000,
    successful: 2000,
    failed: 0,
    current: 0,
    callRate: 999,
    retransmissions: 0,
    strayMessages: 0,
    elapsed: 2,
    failures: {},
    ...over,
  };
}

function probe(over: Partial<ProbeResult> = {}): ProbeResult {
  return {
    rate: 1000,
    ok: false,
    reason: null,
    calls: 2000,
    cps: 999,
    seconds: 2,
    cpu: {},
    uac: stats(),
    uas: stats(),
    exitCodes: { uac: 0, uas: 0 },
    udpRcvbufErrors: 0,
    socketDrops: {},
    loadAverage: 0,
    targetState: null,
    logDir: '/tmp',
    ...over,
  };
}

describe('probe verdict', () => {
  test('passes when both SIPp ends completed every call and the rate was kept', () => {
    assert.equal(verdict(probe(), 0.9), null);
    assert.equal(verdict(probe({ uas: null, exitCodes: { uac: 0, uas: null } }), 0.9), null);
  });

  test('fails on any failed call, a non-zero exit, a missing call or a slow run', () => {
    assert.equal(verdict(probe({ uac: stats({ failed: 1 }) }), 0.9), 'failed-calls');
    assert.equal(verdict(probe({ exitCodes: { uac: 1, uas: 0 } }), 0.9), 'uac-exit-1');
    assert.equal(verdict(probe({ uac: stats({ successful: 1999 }) }), 0.9), 'incomplete');
    assert.equal(verdict(probe({ uas: stats({ failed: 2 }) }), 0.9), 'uas-failed');
    assert.equal(verdict(probe({ exitCodes: { uac: 0, uas: 1 } }), 0.9), 'uas-failed');
    assert.equal(verdict(probe({ uas: null }), 0.9), 'uas-failed');
    assert.equal(verdict(probe({ cps: 899 }), 0.9), 'behind');
    assert.equal(verdict(probe({ uac: null }), 0.9), 'no-stats');
  });

  test('reads the kernel UDP receive-buffer drop counter', () => {
    const n = udpRcvbufErrors();
    assert.ok(Number.isInteger(n) && n >= 0);
  });
});
