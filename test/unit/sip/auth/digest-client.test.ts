import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  answerChallenge,
  authorizeRequest,
  DigestClientState,
} from '../../../../src/sip/auth/digest-client.ts';
import { parseDigestCredentials } from '../../../../src/sip/auth/digest-credentials.ts';
import { digestHash, digestResponse, userHash } from '../../../../src/sip/auth/digest-hash.ts';
import { SipError } from '../../../../src/sip/errors.ts';
import { SipRequest, SipResponse } from '../../../../src/sip/message/message.ts';
import { Uri } from '../../../../src/sip/message/uri.ts';

const RFC7616 = {
  challenge: (alg: string) =>
    `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${alg}, ` +
    'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
  input: {
    username: 'Mufasa',
    password: 'Circle of Life',
    method: 'GET',
    uri: '/dir/index.html',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  },
};

describe('answerChallenge: RFC test vectors', () => {
  test('RFC 2617 3.5: MD5, qop=auth', () => {
    const value = answerChallenge(
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", ' +
        'opaque="5ccc069c403ebaf9f0171e9517f40e41"',
      {
        username: 'Mufasa',
        password: 'Circle Of Life',
        method: 'GET',
        uri: '/dir/index.html',
        cnonce: '0a4f113b',
      },
    );
    assert.equal(
      value,
      'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", ' +
        'uri="/dir/index.html", response="6629fae49393a05397450978507c4ef1", cnonce="0a4f113b", ' +
        'opaque="5ccc069c403ebaf9f0171e9517f40e41", qop=auth, nc=00000001',
    );
  });

  test('RFC 7616 3.9.1: MD5', () => {
    const c = parseDigestCredentials(answerChallenge(RFC7616.challenge('MD5'), RFC7616.input));
    assert.equal(c.response, '8ca523f5e9506fed4657c9700eebdbec');
    assert.equal(c.algorithm, 'MD5');
    assert.equal(c.opaque, 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS');
  });

  test('RFC 7616 3.9.1: SHA-256', () => {
    const c = parseDigestCredentials(answerChallenge(RFC7616.challenge('SHA-256'), RFC7616.input));
    assert.equal(c.response, '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
    assert.equal(c.algorithm, 'SHA-256');
  });
});

describe('answerChallenge: choices', () => {
  const input = { username: 'alice', password: 'secret', method: 'INVITE', uri: 'sip:bob@127.0.0.1' };

  test('nc counts per nonce; a new nonce starts again at 00000001; cnonce is random', () => {
    const state = new DigestClientState();
    const a = 'Digest realm="r", nonce="A", qop="auth"';
    const b = 'Digest realm="r", nonce="B", qop="auth"';
    const first = parseDigestCredentials(answerChallenge(a, input, state));
    const second = parseDigestCredentials(answerChallenge(a, input, state));
    assert.equal(first.nc, '00000001');
    assert.equal(second.nc, '00000002');
    assert.equal(parseDigestCredentials(answerChallenge(b, input, state)).nc, '00000001');
    assert.equal(parseDigestCredentials(answerChallenge(a, input, state)).nc, '00000003');
    assert.match(first.cnonce ?? '', /^[0-9a-f]{24}$/);
    assert.notEqual(first.cnonce, second.cnonce);
  });

  test('the strongest algorithm wins whatever the order (RFC 8760)', () => {
    const md5 = 'Digest realm="r", nonce="n1", algorithm=MD5, qop="auth"';
    const sha = 'Digest realm="r", nonce="n2", algorithm=SHA-256, qop="auth"';
    const unknown = 'Digest realm="r", nonce="n3", algorithm=SHA3-999, qop="auth"';
    for (const order of [
      [md5, sha, unknown],
      [unknown, sha, md5],
    ]) {
      const c = parseDigestCredentials(answerChallenge(order, input));
      assert.equal(c.algorithm, 'SHA-256');
      assert.equal(c.nonce, 'n2');
    }
    const c = parseDigestCredentials(
      answerChallenge(`${md5}, ${sha.replace('SHA-256', 'SHA-512-256')}`, input),
    );
    assert.equal(c.algorithm, 'SHA-512-256');
  });

  test('auth-int only: the body is hashed into the response', () => {
    const body = 'v=0\r\n';
    const c = parseDigestCredentials(
      answerChallenge('Digest realm="r", nonce="n", qop="auth-int"', { ...input, body, cnonce: 'cn' }),
    );
    assert.equal(c.qop, 'auth-int');
    const ha1 = userHash('MD5', 'alice', 'r', 'secret');
    const ha2 = digestHash('MD5', `INVITE:sip:bob@127.0.0.1:${digestHash('MD5', body)}`);
    assert.equal(c.response, digestHash('MD5', `${ha1}:n:00000001:cn:auth-int:${ha2}`));
  });

  test('no qop: the RFC 2069 response, without nc and cnonce', () => {
    const c = parseDigestCredentials(answerChallenge('Digest realm="r", nonce="n"', input));
    assert.equal(c.qop, undefined);
    assert.equal(c.nc, undefined);
    assert.equal(c.cnonce, undefined);
    assert.equal(c.algorithm, undefined);
    const ha1 = userHash('MD5', 'alice', 'r', 'secret');
    assert.equal(c.response, digestHash('MD5', `${ha1}:n:${digestHash('MD5', 'INVITE:sip:bob@127.0.0.1')}`));
  });

  test('MD5-sess and SHA-256-sess hash the nonce and cnonce into HA1', () => {
    for (const alg of ['MD5-sess', 'SHA-256-sess'] as const) {
      const c = parseDigestCredentials(
        answerChallenge(`Digest realm="r", nonce="n", algorithm=${alg}, qop="auth"`, {
          ...input,
          cnonce: 'cn',
        }),
      );
      const base = alg.startsWith('MD5') ? 'MD5' : 'SHA-256';
      const ha1 = digestHash(base, `${userHash(base, 'alice', 'r', 'secret')}:n:cn`);
      const ha2 = digestHash(base, 'INVITE:sip:bob@127.0.0.1');
      assert.equal(c.response, digestHash(base, `${ha1}:n:00000001:cn:auth:${ha2}`), alg);
      assert.equal(
        c.response,
        digestResponse({
          algorithm: alg,
          ha1: userHash(alg, 'alice', 'r', 'secret'),
          nonce: 'n',
          method: 'INVITE',
          uri: 'sip:bob@127.0.0.1',
          qop: 'auth',
          nc: '00000001',
          cnonce: 'cn',
        }),
      );
    }
  });

  test('nothing answerable: REJECTED', () => {
    for (const value of [
      'Digest realm="r", nonce="n", algorithm=SHA3-999',
      'Digest realm="r", nonce="n", qop="x"',
      'Basic realm="r"',
    ]) {
      assert.throws(
        () => answerChallenge(value, input),
        (err) => err instanceof SipError && err.code === 'REJECTED',
        value,
      );
    }
  });
});

describe('authorizeRequest', () => {
  function invite(): SipRequest {
    const req = new SipRequest(
      'INVITE',
      new Uri({ scheme: 'sip', user: 'bob', host: '127.0.0.1', port: 5080 }),
    );
    req.body = Buffer.from('v=0\r\n');
    return req;
  }

  test('401: Authorization from the WWW-Authenticate lines, uri is the Request-URI', () => {
    const res = new SipResponse(401, 'Unauthorized');
    res.add('WWW-Authenticate', 'Digest realm="lab.test", nonce="n1", algorithm=MD5, qop="auth"');
    res.add('WWW-Authenticate', 'Digest realm="lab.test", nonce="n2", algorithm=SHA-256, qop="auth"');
    const out = authorizeRequest(
      invite(),
      res,
      { username: 'alice', password: 'secret' },
      new DigestClientState(),
    );
    assert.equal(out.name, 'Authorization');
    const c = parseDigestCredentials(out.value);
    assert.equal(c.uri, 'sip:bob@127.0.0.1:5080');
    assert.equal(c.nonce, 'n2');
  });

  test('407: Proxy-Authorization from Proxy-Authenticate', () => {
    const res = new SipResponse(407, 'Proxy Authentication Required');
    res.add('Proxy-Authenticate', 'Digest realm="proxy", nonce="p", qop="auth"');
    const out = authorizeRequest(
      invite(),
      res,
      { username: 'alice', password: 'secret' },
      new DigestClientState(),
    );
    assert.equal(out.name, 'Proxy-Authorization');
    assert.equal(parseDigestCredentials(out.value).realm, 'proxy');
  });

  test('a response that is not 401/407, or a 401 without a challenge, is refused', () => {
    const state = new DigestClientState();
    const creds = { username: 'a', password: 'b' };
    assert.throws(() => authorizeRequest(invite(), new SipResponse(403, 'Forbidden'), creds, state), /403/);
    assert.throws(
      () => authorizeRequest(invite(), new SipResponse(401, 'Unauthorized'), creds, state),
      (err) => err instanceof SipError && err.code === 'REJECTED',
    );
  });
});
