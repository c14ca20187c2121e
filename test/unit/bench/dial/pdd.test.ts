import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { computePdd, distribution, parseSippTiming, parseWebhookTiming } from '../../../../bench/dial/pdd.ts';

/** A line as SIPp's <log> writes it with [timestamp]: date TAB time TAB epoch. */
const sipp = (kind: string, key: number, epoch: number) =>
  `${kind} ${key} 2026-01-01\t00:00:00.000000\t${epoch.toFixed(6)}`;
const T = 1_800_000_000;

describe('post-dial delay from the timing logs', () => {
  test('parseSippTiming keys by kind and call number; the first stamp of a key counts', () => {
    const text = [
      sipp('invite', 1, T),
      sipp('answered', 1, T + 0.004),
      sipp('invite', 1, T + 0.5),
      'junk',
      '',
    ].join('\n');
    const t = parseSippTiming(text);
    assert.equal(t.get('invite')?.get('1'), T);
    assert.equal(t.get('answered')?.get('1'), T + 0.004);
    assert.equal(t.size, 2);
  });

  test('parseWebhookTiming reads answer lines and skips calls without a key', () => {
    const t = parseWebhookTiming(`answer 7 ${T} ${T + 0.001}\nanswer - ${T} ${T}\nother 8 1 2\n`);
    assert.deepEqual([...t.keys()], ['7']);
    assert.deepEqual(t.get('7'), { in: T, out: T + 0.001 });
  });

  test('distribution: nearest-rank percentiles, max and mean in ms', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.deepEqual(distribution(values), { count: 100, p50: 50, p90: 90, p99: 99, max: 100, mean: 50.5 });
    assert.deepEqual(distribution([3]), { count: 1, p50: 3, p90: 3, p99: 3, max: 3, mean: 3 });
    assert.equal(distribution([]), null);
  });

  test('joins caller, callee and webhook by call number and subtracts the webhook time per call', () => {
    // Call 1: INVITE at T, webhook 1-3 ms (2 ms), B INVITE at 5 ms, 200 at 8 ms.
    // Call 2: INVITE at T+0.1, webhook 101-102 ms (1 ms), B INVITE at 104 ms, 200 at 106 ms.
    // Call 3 never reached the callee.
    const caller = [
      sipp('invite', 1, T),
      sipp('invite', 2, T + 0.1),
      sipp('invite', 3, T + 0.2),
      sipp('answered', 1, T + 0.008),
      sipp('answered', 2, T + 0.106),
    ].join('\n');
    const callee = [sipp('invite', 2, T + 0.104), sipp('invite', 1, T + 0.005)].join('\n');
    const hooks = `answer 1 ${T + 0.001} ${T + 0.003}\nanswer 2 ${T + 0.101} ${T + 0.102}\n`;
    const r = computePdd(caller, callee, hooks);
    assert.equal(r.calls, 3);
    assert.equal(r.warmup, 0);
    assert.equal(r.reachedCallee, 2);
    assert.deepEqual([r.pdd?.p50, r.pdd?.max], [4, 5]);
    assert.deepEqual([r.webhook?.p50, r.webhook?.max], [1, 2]);
    assert.deepEqual([r.pddWithoutWebhook?.p50, r.pddWithoutWebhook?.max], [3, 3]);
    assert.deepEqual([r.beforeWebhook?.p50, r.beforeWebhook?.max], [1, 1]);
    assert.deepEqual([r.afterWebhook?.p50, r.afterWebhook?.max], [2, 2]);
    assert.deepEqual([r.setup?.p50, r.setup?.max], [6, 8]);
    assert.deepEqual(r.span, { firstInvite: T, lastAnswer: T + 0.106, answered: 2 });
  });

  test('without a webhook app (a proxy) the delay is the whole delay', () => {
    const r = computePdd(sipp('invite', 1, T), sipp('invite', 1, T + 0.0003), null);
    assert.equal(r.webhook, null);
    assert.equal(r.beforeWebhook, null);
    assert.equal(r.pdd?.p50, 0.3);
    assert.deepEqual(r.pddWithoutWebhook, r.pdd);
    assert.equal(r.setup, null);
    assert.equal(r.span, null);
  });

  test('calls of the warm-up are left out of the delays but not of the span', () => {
    const caller = [
      sipp('invite', 1, T),
      sipp('answered', 1, T + 0.05),
      sipp('invite', 2, T + 1.5),
      sipp('answered', 2, T + 1.502),
    ].join('\n');
    const callee = [sipp('invite', 1, T + 0.04), sipp('invite', 2, T + 1.501)].join('\n');
    const r = computePdd(caller, callee, null, 1);
    assert.equal(r.warmup, 1);
    assert.equal(r.reachedCallee, 1);
    assert.equal(r.pdd?.max, 1);
    assert.equal(r.setup?.max, 2);
    assert.deepEqual(r.span, { firstInvite: T, lastAnswer: T + 1.502, answered: 2 });
  });
});
