import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatAuthParams, parseAuthParams, quoteString } from '../../../../src/sip/auth/auth-params.ts';
import { formatDigestChallenge, parseDigestChallenges } from '../../../../src/sip/auth/digest-challenge.ts';
import {
  formatDigestCredentials,
  parseDigestCredentials,
} from '../../../../src/sip/auth/digest-credentials.ts';
import { SipError } from '../../../../src/sip/errors.ts';

function malformed(value: string): void {
  assert.throws(
    () => parseAuthParams(value),
    (err) => err instanceof SipError && err.code === 'PARSE' && err.status === 400,
    value,
  );
}

describe('parseAuthParams', () => {
  test('quoted and token values, any spacing, names lower-cased', () => {
    const [c] = parseAuthParams(
      'Digest  REALM = "atlanta.example.com" ,nonce="84a4cc6f",algorithm=MD5,\tqop="auth"',
    );
    assert.equal(c.scheme, 'Digest');
    assert.deepEqual(
      [...c.params],
      [
        ['realm', 'atlanta.example.com'],
        ['nonce', '84a4cc6f'],
        ['algorithm', 'MD5'],
        ['qop', 'auth'],
      ],
    );
  });

  test('commas inside quotes are data; backslash escapes are undone', () => {
    const [c] = parseAuthParams('Digest realm="a, b", opaque="x\\"y\\\\z", qop="auth,auth-int"');
    assert.equal(c.params.get('realm'), 'a, b');
    assert.equal(c.params.get('opaque'), 'x"y\\z');
    assert.equal(c.params.get('qop'), 'auth,auth-int');
  });

  test('several challenges in one value, and empty list elements', () => {
    const list = parseAuthParams(
      'Digest realm="a", nonce="1",, Digest realm="b", nonce="2", Basic realm="c"',
    );
    assert.deepEqual(
      list.map((c) => [c.scheme, c.params.get('realm')]),
      [
        ['Digest', 'a'],
        ['Digest', 'b'],
        ['Basic', 'c'],
      ],
    );
  });

  test('malformed values throw PARSE', () => {
    malformed('');
    malformed('realm="x"');
    malformed('Digest realm="unterminated');
    malformed('Digest realm="a" nonce="b"');
    malformed('Digest realm=');
    malformed('Digest realm="a", realm="b"');
    malformed('Digest realm="a", ="b"');
  });

  test('format quotes and escapes; parse(format(x)) gives x back', () => {
    const text = formatAuthParams('Digest', [
      ['realm', 'say "hi" \\ there', true],
      ['algorithm', 'SHA-256', false],
    ]);
    assert.equal(text, 'Digest realm="say \\"hi\\" \\\\ there", algorithm=SHA-256');
    assert.equal(parseAuthParams(text)[0].params.get('realm'), 'say "hi" \\ there');
    assert.equal(quoteString('plain'), '"plain"');
  });
});

describe('Digest challenge and credentials', () => {
  test('a challenge: qop list, stale, algorithm as written; non-Digest schemes skipped', () => {
    const [c] = parseDigestChallenges(
      'Basic realm="x", Digest realm="r", nonce="n", opaque="o", stale=TRUE, algorithm=sha-256, qop="auth, auth-int"',
    );
    assert.deepEqual(c, {
      realm: 'r',
      nonce: 'n',
      opaque: 'o',
      algorithm: 'sha-256',
      qop: ['auth', 'auth-int'],
      stale: true,
      domain: undefined,
    });
  });

  test('an RFC 2069 challenge has no qop and is not stale', () => {
    const [c] = parseDigestChallenges('Digest realm="r", nonce="n"');
    assert.deepEqual(c.qop, []);
    assert.equal(c.stale, false);
    assert.equal(c.algorithm, undefined);
  });

  test('a challenge without nonce is malformed', () => {
    assert.throws(() => parseDigestChallenges('Digest realm="r"'), /without realm or nonce/);
  });

  test('challenge format: realm, nonce, stale, algorithm, qop', () => {
    const text = formatDigestChallenge({
      realm: 'r',
      nonce: 'n',
      algorithm: 'MD5',
      qop: ['auth'],
      stale: true,
    });
    assert.equal(text, 'Digest realm="r", nonce="n", stale=true, algorithm=MD5, qop="auth"');
    assert.deepEqual(parseDigestChallenges(text)[0].qop, ['auth']);
  });

  test('credentials round trip; qop and nc written as tokens', () => {
    const creds = {
      username: 'ali"ce',
      realm: 'r',
      nonce: 'n',
      uri: 'sip:bob@127.0.0.1;transport=tcp',
      response: 'abc',
      algorithm: 'SHA-256',
      cnonce: 'c',
      opaque: 'o',
      qop: 'auth',
      nc: '00000001',
    };
    const text = formatDigestCredentials(creds);
    assert.match(text, /, qop=auth, nc=00000001$/);
    assert.deepEqual(parseDigestCredentials(text), creds);
  });

  test('credentials without response, or not Digest, are malformed', () => {
    assert.throws(
      () => parseDigestCredentials('Digest username="a", realm="r", nonce="n", uri="u"'),
      /response/,
    );
    assert.throws(() => parseDigestCredentials('Basic dXNlcjpwYXNz'), /not a single Digest/);
  });
});
