import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  applyFragment,
  backoffDelay,
  DOCUMENT_RETRY,
  isRetryable,
  NOTIFY_RETRY,
  statusCondition,
} from '../../../src/webhooks/retry-policy.ts';

function collect() {
  const warnings: Array<{ message: string; fields: Record<string, string> }> = [];
  return {
    warnings,
    warn: (message: string, fields: Record<string, string>) => warnings.push({ message, fields }),
  };
}

describe('retry policy (spec vobizxml 1.6)', () => {
  test('defaults: documents 3 tries on ct/rt/5xx, notifications 4 tries also on 429', () => {
    assert.equal(DOCUMENT_RETRY.retries, 2);
    assert.deepEqual([...DOCUMENT_RETRY.retryOn].sort(), ['5xx', 'ct', 'rt']);
    assert.equal(NOTIFY_RETRY.retries, 3);
    assert.equal(isRetryable(NOTIFY_RETRY, '429'), true);
    assert.equal(isRetryable(DOCUMENT_RETRY, '429'), false);
    assert.equal(isRetryable(DOCUMENT_RETRY, '4xx'), false);
    assert.equal(isRetryable(DOCUMENT_RETRY, undefined), false);
  });

  test('every fragment key within its range overrides the default', () => {
    const { warn, warnings } = collect();
    const p = applyFragment(DOCUMENT_RETRY, 'ct=150&rt=40000&tt=100&rc=5&rp=4xx,ct&er=nearest', warn);
    assert.deepEqual(warnings, []);
    assert.equal(p.connectTimeoutMs, 150);
    assert.equal(p.readTimeoutMs, 40000);
    assert.equal(p.totalTimeoutMs, 100);
    assert.equal(p.retries, 5);
    assert.deepEqual(p.retryOn, ['4xx', 'ct']);
    assert.equal(isRetryable(p, '429'), true, '429 is a 4xx');
    assert.equal(isRetryable(p, '5xx'), false);
    assert.equal(DOCUMENT_RETRY.retries, 2, 'the defaults are not modified');
  });

  test('rp=all retries every class', () => {
    const p = applyFragment(NOTIFY_RETRY, 'rp=all', collect().warn);
    for (const c of ['ct', 'rt', '4xx', '5xx', '429'] as const) assert.equal(isRetryable(p, c), true, c);
  });

  test('out-of-range, malformed and unknown entries are ignored with a warning', () => {
    const { warn, warnings } = collect();
    const p = applyFragment(DOCUMENT_RETRY, 'ct=99&rt=40001&tt=abc&rc=6&rc=-1&rp=5xx,bogus&zz=1', warn);
    assert.deepEqual(p, { ...DOCUMENT_RETRY, retryOn: [...DOCUMENT_RETRY.retryOn] });
    assert.deepEqual(
      warnings.map((w) => w.fields.key),
      ['ct', 'rt', 'tt', 'rc', 'rc', 'rp', 'zz'],
    );
  });

  test('an empty fragment changes nothing', () => {
    const { warn, warnings } = collect();
    assert.deepEqual(applyFragment(NOTIFY_RETRY, '', warn), {
      ...NOTIFY_RETRY,
      retryOn: [...NOTIFY_RETRY.retryOn],
    });
    assert.equal(warnings.length, 0);
  });

  test('status classes and exponential back-off', () => {
    assert.equal(statusCondition(200), undefined);
    assert.equal(statusCondition(302), undefined);
    assert.equal(statusCondition(404), '4xx');
    assert.equal(statusCondition(429), '429');
    assert.equal(statusCondition(503), '5xx');
    assert.deepEqual(
      [1, 2, 3].map((n) => backoffDelay(DOCUMENT_RETRY, n)),
      [250, 500, 1000],
    );
    assert.deepEqual(
      [1, 2, 3].map((n) => backoffDelay(NOTIFY_RETRY, n)),
      [1000, 2000, 4000],
    );
  });
});
