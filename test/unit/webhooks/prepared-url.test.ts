import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { formEncode, PreparedUrls, prepareUrl } from '../../../src/webhooks/prepared-url.ts';
import { redactUrl } from '../../../src/webhooks/response-check.ts';
import { signatureBaseUrl } from '../../../src/webhooks/signature.ts';

describe('formEncode: the form body of a webhook request', () => {
  test('is what URLSearchParams makes of the same fields, whatever the text', () => {
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('', ' ', "!'()~*-._", 'a b+c&d=e', 'é ü €', '\ud800', 'x\udc00y', '%20'),
    );
    fc.assert(
      fc.property(fc.dictionary(text, text, { maxKeys: 6 }), (fields) => {
        assert.equal(formEncode(fields), new URLSearchParams(fields).toString());
      }),
      { numRuns: 2000 },
    );
  });

  test('the fields of a call in order, space as +', () => {
    assert.equal(
      formEncode({ CallUUID: 'u-1', From: '+4930 123', CallerName: "O'Brien (x)" }),
      'CallUUID=u-1&From=%2B4930+123&CallerName=O%27Brien+%28x%29',
    );
  });
});

describe('PreparedUrls: a webhook URL parsed once', () => {
  test('the parts, the fragment apart, the redacted form and the signature base', () => {
    const raw = 'https://user:p%40ss@Hooks.Example.com:8443/a/b?x=1&y=2#rt=1000';
    const r = prepareUrl(raw);
    assert.ok(r.ok);
    const u = new URL(raw);
    assert.equal(r.url.protocol, 'https:');
    assert.equal(r.url.hostname, u.hostname);
    assert.equal(r.url.port, '8443');
    assert.equal(r.url.pathname, '/a/b');
    assert.equal(r.url.search, '?x=1&y=2');
    assert.equal(r.url.username, 'user');
    assert.equal(r.url.password, 'p%40ss');
    assert.equal(r.url.fragment, 'rt=1000');
    assert.equal(r.url.href, 'https://user:p%40ss@hooks.example.com:8443/a/b?x=1&y=2');
    assert.equal(r.url.logUrl, redactUrl(raw));
    assert.equal(r.url.signatureBase, signatureBaseUrl(raw));
    assert.ok(Object.isFrozen(r.url));
  });

  test('not absolute, or not http(s): refused with the reason', () => {
    const bad = prepareUrl('/answer');
    assert.equal(bad.ok, false);
    assert.ok(!bad.ok && bad.message === 'not an absolute URL');
    const ftp = prepareUrl('ftp://h/x');
    assert.ok(!ftp.ok && ftp.message === 'scheme ftp: is not http(s)');
  });

  test('the same text gives the same result; the memory is bounded', () => {
    const urls = new PreparedUrls();
    const a = urls.get('http://127.0.0.1:8080/answer');
    assert.equal(urls.get('http://127.0.0.1:8080/answer'), a);
    for (let i = 0; i < 300; i++) urls.get(`http://127.0.0.1/${i}`);
    const again = urls.get('http://127.0.0.1:8080/answer');
    assert.deepEqual(again, a);
  });
});
