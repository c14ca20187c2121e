import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  newNonce,
  signatureBaseUrl,
  signatureHeaders,
  signatureV2,
  signatureV3,
  verifyWebhookSignature,
} from '../../../src/webhooks/signature.ts';

const TOKEN = 'sekret-token';
/** Spec rest-api 5.11, written out by hand: HMAC-SHA256 over baseURL + "." + nonce, base64. */
const byHand = (data: string) => createHmac('sha256', TOKEN).update(data).digest('base64');

describe('webhook signatures (spec rest-api 5.11)', () => {
  test('the base URL keeps scheme, host, port and path and drops query and fragment', () => {
    assert.equal(
      signatureBaseUrl('https://example.com:8443/a/b?x=1&y=2#rc=0'),
      'https://example.com:8443/a/b',
    );
    assert.equal(signatureBaseUrl('http://user:pw@example.com/hook'), 'http://example.com/hook');
    assert.equal(signatureBaseUrl('https://example.com'), 'https://example.com/');
  });

  test('V3 joins URL and nonce with a dot, V2 without', () => {
    const nonce = '12345678901234567890';
    assert.equal(
      signatureV3('https://h.example/cb?q=1', nonce, TOKEN),
      byHand(`https://h.example/cb.${nonce}`),
    );
    assert.equal(
      signatureV2('https://h.example/cb?q=1', nonce, TOKEN),
      byHand(`https://h.example/cb${nonce}`),
    );
    assert.notEqual(
      signatureV2('https://h.example/cb', nonce, TOKEN),
      signatureV3('https://h.example/cb', nonce, TOKEN),
    );
  });

  test('nonces are random 20-digit decimals', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const n = newNonce();
      assert.match(n, /^[1-9]\d{19}$/);
      seen.add(n);
    }
    assert.equal(seen.size, 500);
  });

  test('signatureHeaders carries both pairs with distinct fresh nonces', () => {
    const url = 'https://h.example/answer';
    const a = signatureHeaders(url, TOKEN);
    const b = signatureHeaders(url, TOKEN);
    assert.equal(a['X-Vobiz-Signature-V3'], byHand(`${url}.${a['X-Vobiz-Signature-V3-Nonce']}`));
    assert.equal(a['X-Vobiz-Signature-V2'], byHand(`${url}${a['X-Vobiz-Signature-V2-Nonce']}`));
    assert.notEqual(a['X-Vobiz-Signature-V3-Nonce'], b['X-Vobiz-Signature-V3-Nonce']);
    assert.notEqual(a['X-Vobiz-Signature-V2-Nonce'], a['X-Vobiz-Signature-V3-Nonce']);
  });

  test('verifyWebhookSignature accepts a good signature and refuses anything else', () => {
    const url = 'https://h.example/hangup';
    const h = signatureHeaders(url, TOKEN);
    const nonce = h['X-Vobiz-Signature-V3-Nonce'];
    const signature = h['X-Vobiz-Signature-V3'];
    assert.equal(verifyWebhookSignature({ url: `${url}?a=1`, nonce, signature, authToken: TOKEN }), true);
    assert.equal(verifyWebhookSignature({ url, nonce, signature, authToken: 'other' }), false);
    assert.equal(
      verifyWebhookSignature({ url: 'https://h.example/other', nonce, signature, authToken: TOKEN }),
      false,
    );
    assert.equal(
      verifyWebhookSignature({
        url,
        nonce: `${nonce.slice(0, -1)}${(Number(nonce.at(-1)) + 1) % 10}`,
        signature,
        authToken: TOKEN,
      }),
      false,
    );
    assert.equal(
      verifyWebhookSignature({ url, nonce, signature: signature.slice(1), authToken: TOKEN }),
      false,
    );
    assert.equal(verifyWebhookSignature({ url, nonce: undefined, signature, authToken: TOKEN }), false);
    assert.equal(verifyWebhookSignature({ url: 'not a url', nonce, signature, authToken: TOKEN }), false);
    const v2 = { nonce: h['X-Vobiz-Signature-V2-Nonce'], signature: h['X-Vobiz-Signature-V2'] };
    assert.equal(verifyWebhookSignature({ url, ...v2, authToken: TOKEN, version: 'v2' }), true);
    assert.equal(verifyWebhookSignature({ url, ...v2, authToken: TOKEN }), false);
  });
});
