import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SippStats } from '../../../../bench/cps/sipp-stats.ts';
import type { PddReport } from '../../../../bench/dial/pdd.ts';
import { achievedRate, type DialProbeResult, dialVerdict } from '../../../../bench/dial/probe.ts';

const stats = (successful: number, failed = 0): SippStats => ({
  created: successful + failed,
  successful,
  failed,
  current: 0,
  callRate: 0,
  retransmissions: 0,
  strayMessages: 0,
  elapsed: 0,
  failures: {},
});

function pdd(span: PddReport['span']): PddReport {
  return {
    calls: span?.answered ?? 0,
    warmup: 0,
    reachedCallee: 0,
    pdd: null,
    webhook: null,
    pddWithoutWebhook: null,
    beforeWebhook: null,
    afterWebhook: null,
    setup: null,
    span,
  };
}

function result(over: Partial<DialProbeResult>): DialProbeResult {
  return {
    rate: 100,
    ok: false,
    reason: null,
    calls: 1000,
    cps: 100,
    sippCallRate: 97,
    seconds: 11,
    cpu: {},
    cpuMsPerCall: {},
    uac: stats(1000),
    uas: stats(1000),
    exitCodes: { uac: 0, uas: 0 },
    udpRcvbufErrors: 0,
    socketDrops: {},
    loadAverage: 0,
    targetState: null,
    pdd: null,
    logDir: '/tmp/x',
    ...over,
  };
}

describe('dial probe verdict', () => {
  test('achievedRate: answered calls over first INVITE to last 200, plus one interval', () => {
    // 1000 calls at 100/s: INVITEs 0 .. 9.99 s, the last answered 5 ms later.
    const r = achievedRate(pdd({ firstInvite: 1000, lastAnswer: 1009.995, answered: 1000 }), 100);
    assert.equal(r, 99.95);
    // A target that fell 2 s behind answers its last call at 12 s.
    assert.equal(achievedRate(pdd({ firstInvite: 1000, lastAnswer: 1011.99, answered: 1000 }), 100), 83.33);
    assert.equal(achievedRate(pdd(null), 100), 0);
  });

  test('a complete probe at the rate passes', () => {
    assert.equal(dialVerdict(result({}), 0.95), null);
  });

  test('each way to fail has its reason, in order', () => {
    assert.equal(dialVerdict(result({ uac: null }), 0.95), 'no-stats');
    assert.equal(dialVerdict(result({ uac: stats(999, 1) }), 0.95), 'failed-calls');
    assert.equal(dialVerdict(result({ exitCodes: { uac: 1, uas: 0 } }), 0.95), 'uac-exit-1');
    assert.equal(dialVerdict(result({ uac: stats(990) }), 0.95), 'incomplete');
    assert.equal(dialVerdict(result({ uas: stats(990) }), 0.95), 'uas-failed');
    assert.equal(dialVerdict(result({ uas: stats(999, 1) }), 0.95), 'uas-failed');
    assert.equal(dialVerdict(result({ exitCodes: { uac: 0, uas: 137 } }), 0.95), 'uas-failed');
    assert.equal(dialVerdict(result({ cps: 94.9 }), 0.95), 'behind');
    assert.equal(dialVerdict(result({ cps: 95 }), 0.95), null);
  });
});
