import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OutboundPolicy } from '../../../src/webhooks/outbound-policy.ts';

describe('OutboundPolicy verdicts are remembered per address', () => {
  test('repeated checks give the same answer as the first, allowed and refused alike', () => {
    const p = new OutboundPolicy({ deny: ['10.1.0.0/16'], allow: ['169.254.169.100'] });
    for (let round = 0; round < 3; round++) {
      assert.equal(p.refusal('127.0.0.1'), undefined);
      assert.equal(p.refusal('10.1.2.3'), 'denied by policy');
      assert.equal(p.refusal('169.254.169.254'), 'link-local');
      assert.equal(p.refusal('169.254.169.100'), undefined);
      assert.equal(p.refusal('::ffff:224.0.0.1'), 'multicast');
    }
  });

  test('past the bound the memory starts over, answers unchanged', () => {
    const p = new OutboundPolicy();
    for (let i = 0; i < 3000; i++) {
      const a = `10.${(i >> 8) & 255}.${i & 255}.1`;
      assert.equal(p.refusal(a), undefined);
    }
    assert.equal(p.refusal('224.1.1.1'), 'multicast');
    assert.equal(p.refusal('224.1.1.1'), 'multicast');
  });
});
