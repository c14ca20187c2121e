import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { newNonce, signatureHeaders, signatureV2, signatureV3 } from '../../../src/webhooks/signature.ts';

describe('nonces from the pooled CSPRNG octets', () => {
  test('always 20 decimal digits, first non-zero, no repeats, every digit in every place', () => {
    const seen = new Set<string>();
    const counts = Array.from({ length: 20 }, () => new Array<number>(10).fill(0));
    for (let i = 0; i < 5000; i++) {
      const n = newNonce();
      assert.match(n, /^[1-9][0-9]{19}$/);
      seen.add(n);
      for (let p = 0; p < 20; p++) counts[p][n.charCodeAt(p) - 48]++;
    }
    assert.equal(seen.size, 5000);
    assert.equal(counts[0][0], 0);
    // 5000 draws per place: each digit expected 500 times (555 for the first place).
    for (let p = 0; p < 20; p++) {
      for (let d = p === 0 ? 1 : 0; d < 10; d++) assert.ok(counts[p][d] > 350, `digit ${d} at ${p}`);
    }
  });

  test('the headers sign the base URL with their own nonces (V2 and V3)', () => {
    const url = 'http://127.0.0.1:8081/answer?x=1';
    const h = signatureHeaders(url, 'tok');
    assert.notEqual(h['X-Vobiz-Signature-V2-Nonce'], h['X-Vobiz-Signature-V3-Nonce']);
    assert.equal(h['X-Vobiz-Signature-V2'], signatureV2(url, h['X-Vobiz-Signature-V2-Nonce'], 'tok'));
    assert.equal(h['X-Vobiz-Signature-V3'], signatureV3(url, h['X-Vobiz-Signature-V3-Nonce'], 'tok'));
  });
});
