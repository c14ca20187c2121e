import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type CredentialLookup,
  DigestAuthenticator,
  type DigestAuthenticatorOptions,
} from '../../../../src/sip/auth/digest-authenticator.ts';
import { parseDigestChallenges } from '../../../../src/sip/auth/digest-challenge.ts';
import { answerChallenge, DigestClientState } from '../../../../src/sip/auth/digest-client.ts';
import {
  formatDigestCredentials,
  parseDigestCredentials,
} from '../../../../src/sip/auth/digest-credentials.ts';
import { userHash } from '../../../../src/sip/auth/digest-hash.ts';
import { SipRequest } from '../../../../src/sip/message/message.ts';
import { Uri } from '../../../../src/sip/message/uri.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';

const REALM = 'patchbay.test';
const URI = 'sip:bob@127.0.0.1:5080';
const USERS: Record<string, string> = { alice: 'secret', 'al"ice': 'p@ss' };
const lookup: CredentialLookup = (username, realm) =>
  realm === REALM && USERS[username] !== undefined ? { password: USERS[username] } : undefined;

function setup(opts: Partial<DigestAuthenticatorOptions> = {}) {
  const clock = new FakeClock();
  clock.advance(1_700_000_000_000);
  const server = new DigestAuthenticator({ secret: 'the secret', clock, ...opts });
  return { clock, server };
}

function answer(
  challenge: string | string[],
  username = 'alice',
  password = 'secret',
  extra: { body?: string } = {},
): string {
  return answerChallenge(challenge, { username, password, method: 'INVITE', uri: URI, ...extra });
}

/** Rewrites parameters of a credentials value. */
function edit(value: string, change: Record<string, string | undefined>): string {
  return formatDigestCredentials({ ...parseDigestCredentials(value), ...change });
}

const verify = (server: DigestAuthenticator, credentials: string | undefined, requestUri: string = URI) =>
  server.verify('INVITE', credentials, lookup, { realm: REALM, requestUri });

describe('DigestAuthenticator: challenges', () => {
  test('SHA-256 first then MD5, qop="auth", a fresh self-verifying nonce each time', () => {
    const { server } = setup();
    const values = server.challenges({ realm: REALM });
    assert.equal(values.length, 2);
    const [sha, md5] = values.map((v) => parseDigestChallenges(v)[0]);
    assert.equal(sha.algorithm, 'SHA-256');
    assert.equal(md5.algorithm, 'MD5');
    for (const c of [sha, md5]) {
      assert.equal(c.realm, REALM);
      assert.deepEqual(c.qop, ['auth']);
      assert.equal(c.stale, false);
      assert.match(c.nonce, /^[A-Za-z0-9_-]{43}$/);
    }
    assert.notEqual(sha.nonce, md5.nonce);
    assert.match(server.challenge({ realm: REALM, stale: true }), /stale=true, algorithm=MD5/);
  });
});

describe('DigestAuthenticator: client and server together', () => {
  for (const algorithm of ['MD5', 'SHA-256'] as const) {
    test(`${algorithm}: the client's answer verifies`, async () => {
      const { server } = setup();
      const credentials = answer(server.challenge({ realm: REALM, algorithm }));
      assert.deepEqual(await verify(server, credentials), {
        ok: true,
        username: 'alice',
        realm: REALM,
        algorithm,
      });
    });
  }

  test('a client given both challenges answers SHA-256 and verifies', async () => {
    const { server } = setup();
    const result = await verify(server, answer(server.challenges({ realm: REALM })));
    assert.equal(result.ok && result.algorithm, 'SHA-256');
  });

  test('wrong password: bad-response', async () => {
    const { server } = setup();
    const result = await verify(server, answer(server.challenge({ realm: REALM }), 'alice', 'guess'));
    assert.deepEqual(result, { ok: false, reason: 'bad-response', username: 'alice' });
  });

  test('an expired nonce with the right password is stale; with a wrong one, bad-response', async () => {
    const { server, clock } = setup();
    const challenge = server.challenge({ realm: REALM });
    const good = answer(challenge);
    const bad = answer(challenge, 'alice', 'guess');
    clock.advance(299_000);
    assert.equal((await verify(server, good)).ok, true);
    clock.advance(2_000);
    assert.deepEqual(await verify(server, good), { ok: false, reason: 'stale', username: 'alice' });
    const wrong = await verify(server, bad);
    assert.equal(!wrong.ok && wrong.reason, 'bad-response');
  });

  test('nonce lifetime is configurable', async () => {
    const { server, clock } = setup({ nonceTtlMs: 10_000 });
    const good = answer(server.challenge({ realm: REALM }));
    clock.advance(10_001);
    const result = await verify(server, good);
    assert.equal(!result.ok && result.reason, 'stale');
  });

  test('a tampered nonce is refused even with a response computed over it', async () => {
    const { server } = setup();
    const nonce = parseDigestChallenges(server.challenge({ realm: REALM }))[0].nonce;
    // Move the timestamp forward by editing the first characters, keep the MAC.
    const forged = `${nonce[0] === 'A' ? 'B' : 'A'}${nonce.slice(1)}`;
    const credentials = answer(`Digest realm="${REALM}", nonce="${forged}", qop="auth"`);
    assert.deepEqual(await verify(server, credentials), { ok: false, reason: 'nonce', username: 'alice' });
    // The last of 43 characters carries 2 unused bits: the next letter decodes to the same bytes.
    const b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sameBytes = `${nonce.slice(0, -1)}${b64[b64.indexOf(nonce.at(-1)!) + 1]}`;
    assert.deepEqual(Buffer.from(sameBytes, 'base64url'), Buffer.from(nonce, 'base64url'));
    for (const other of ['abc', `${nonce}x`, sameBytes]) {
      const r = await verify(server, answer(`Digest realm="${REALM}", nonce="${other}", qop="auth"`));
      assert.equal(!r.ok && r.reason, 'nonce', other);
    }
  });

  test('nonces of another secret, another realm, or from the future are not ours', async () => {
    const { server, clock } = setup();
    const other = new DigestAuthenticator({ secret: 'another', clock });
    const r1 = await verify(server, answer(other.challenge({ realm: REALM })));
    assert.equal(!r1.ok && r1.reason, 'nonce');

    const foreign = parseDigestChallenges(server.challenge({ realm: 'elsewhere' }))[0].nonce;
    const r2 = await verify(server, answer(`Digest realm="${REALM}", nonce="${foreign}", qop="auth"`));
    assert.equal(!r2.ok && r2.reason, 'nonce');

    const later = new FakeClock();
    later.advance(1_700_000_000_000 + 60_000);
    const ahead = new DigestAuthenticator({ secret: 'the secret', clock: later });
    const r3 = await verify(server, answer(ahead.challenge({ realm: REALM })));
    assert.equal(!r3.ok && r3.reason, 'nonce');
  });

  test('nodes sharing the secret accept each other nonces', async () => {
    const { server, clock } = setup();
    const peer = new DigestAuthenticator({ secret: 'the secret', clock });
    assert.equal((await verify(server, answer(peer.challenge({ realm: REALM })))).ok, true);
  });
});

describe('DigestAuthenticator: refusals', () => {
  const { server } = setup();
  const challenge = server.challenge({ realm: REALM });
  const good = answer(challenge);

  const cases: [string, () => string | undefined, string][] = [
    ['no header', () => undefined, 'missing'],
    ['an empty header', () => '  ', 'missing'],
    ['Basic credentials', () => 'Basic YWxpY2U6c2VjcmV0', 'malformed'],
    ['no response', () => good.replace(/, response="[^"]*"/, ''), 'malformed'],
    ['qop without nc', () => edit(good, { nc: undefined }), 'malformed'],
    ['a bad nc', () => edit(good, { nc: '1' }), 'malformed'],
    ['another realm', () => edit(good, { realm: 'elsewhere' }), 'realm'],
    ['an algorithm not offered', () => edit(good, { algorithm: 'SHA-512-256' }), 'algorithm'],
    ['an unknown qop', () => edit(good, { qop: 'auth-conf' }), 'qop'],
    ['another uri', () => edit(good, { uri: 'sip:carol@127.0.0.1:5080' }), 'uri'],
    ['an unknown user', () => answer(challenge, 'mallory', 'x'), 'unknown-user'],
  ];
  for (const [name, make, reason] of cases) {
    test(`${name}: ${reason}`, async () => {
      const result = await verify(server, make());
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.reason, reason);
    });
  }

  test('only the configured algorithms are accepted', async () => {
    const { server: shaOnly } = setup({ algorithms: ['SHA-256'] });
    assert.deepEqual(
      shaOnly.challenges({ realm: REALM }).map((v) => parseDigestChallenges(v)[0].algorithm),
      ['SHA-256'],
    );
    const md5 = answer(shaOnly.challenge({ realm: REALM, algorithm: 'MD5' }));
    const r = await verify(shaOnly, md5);
    assert.equal(!r.ok && r.reason, 'algorithm');
  });
});

describe('DigestAuthenticator: variants', () => {
  test('the uri is compared loosely: URI parameters, host case and a missing port', async () => {
    const { server } = setup();
    const credentials = answer(server.challenge({ realm: REALM }));
    for (const requestUri of ['sip:bob@127.0.0.1:5080;transport=udp', 'SIP:bob@127.0.0.1', URI]) {
      assert.equal((await verify(server, credentials, requestUri)).ok, true, requestUri);
    }
    for (const requestUri of [
      'sip:bob@127.0.0.1:5090',
      'sips:bob@127.0.0.1:5080',
      'sip:Bob@127.0.0.1:5080',
    ]) {
      assert.equal((await verify(server, credentials, requestUri)).ok, false, requestUri);
    }
    // SIPp 3.6 answers for sip:service@host:port with uri="sip:host:port".
    const sipp = answerChallenge(server.challenge({ realm: REALM }), {
      username: 'alice',
      password: 'secret',
      method: 'INVITE',
      uri: 'sip:127.0.0.1:5080',
    });
    assert.equal((await verify(server, sipp, 'sip:service@127.0.0.1:5080')).ok, true);
    const v6 = edit(credentials, { uri: 'sip:bob@[::1]:5080' });
    const r = await verify(server, v6, 'sip:bob@[::1]');
    assert.equal(!r.ok && r.reason, 'bad-response', 'uri accepted, response then checked');
  });

  test('the lookup may return HA1, may be async, and is told the algorithm', async () => {
    const { server } = setup();
    const seen: string[] = [];
    const ha1Lookup: CredentialLookup = async (username, realm, algorithm) => {
      seen.push(algorithm);
      return { ha1: userHash(algorithm, username, realm, 'secret').toUpperCase() };
    };
    for (const algorithm of ['MD5', 'SHA-256'] as const) {
      const credentials = answer(server.challenge({ realm: REALM, algorithm }));
      const r = await server.verify('INVITE', credentials, ha1Lookup, { realm: REALM });
      assert.equal(r.ok, true);
    }
    assert.deepEqual(seen, ['MD5', 'SHA-256']);
  });

  test('RFC 2069 credentials (no qop) are accepted', async () => {
    const { server } = setup();
    const nonce = parseDigestChallenges(server.challenge({ realm: REALM }))[0].nonce;
    const credentials = answer(`Digest realm="${REALM}", nonce="${nonce}"`);
    assert.equal(parseDigestCredentials(credentials).qop, undefined);
    assert.equal((await verify(server, credentials)).ok, true);
  });

  test('auth-int covers the body', async () => {
    const { server } = setup();
    const nonce = parseDigestChallenges(server.challenge({ realm: REALM }))[0].nonce;
    const credentials = answer(
      `Digest realm="${REALM}", nonce="${nonce}", qop="auth-int"`,
      'alice',
      'secret',
      {
        body: 'v=0\r\n',
      },
    );
    const check = (body: string) => server.verify('INVITE', credentials, lookup, { realm: REALM, body });
    assert.equal((await check('v=0\r\n')).ok, true);
    const r = await check('v=1\r\n');
    assert.equal(!r.ok && r.reason, 'bad-response');
  });

  test('a username with a quote survives the round trip', async () => {
    const { server } = setup();
    const r = await verify(server, answer(server.challenge({ realm: REALM }), 'al"ice', 'p@ss'));
    assert.equal(r.ok && r.username, 'al"ice');
  });

  test('replays pass by default; with checkNonceCount a repeated nc is refused', async () => {
    const { server } = setup();
    const credentials = answer(server.challenge({ realm: REALM }));
    assert.equal((await verify(server, credentials)).ok, true);
    assert.equal((await verify(server, credentials)).ok, true);

    const { server: strict } = setup({ checkNonceCount: true });
    const state = new DigestClientState();
    const challenge = strict.challenge({ realm: REALM });
    const input = { username: 'alice', password: 'secret', method: 'INVITE', uri: URI };
    const first = answerChallenge(challenge, input, state);
    assert.equal((await verify(strict, first)).ok, true);
    const again = await verify(strict, first);
    assert.equal(!again.ok && again.reason, 'replay');
    assert.equal((await verify(strict, answerChallenge(challenge, input, state))).ok, true);
  });

  test('verifyRequest picks the Authorization line of our realm and checks the Request-URI', async () => {
    const { server } = setup();
    const req = new SipRequest(
      'INVITE',
      new Uri({ scheme: 'sip', user: 'bob', host: '127.0.0.1', port: 5080 }),
    );
    req.add('Authorization', 'Digest username="x", realm="other", nonce="n", uri="u", response="r"');
    req.add('Authorization', answer(server.challenge({ realm: REALM })));
    assert.equal((await server.verifyRequest(req, lookup, { realm: REALM })).ok, true);
    const none = await server.verifyRequest(req, lookup, { realm: REALM, proxy: true });
    assert.equal(!none.ok && none.reason, 'missing');
    req.uri = new Uri({ scheme: 'sip', user: 'carol', host: '127.0.0.1', port: 5080 });
    const moved = await server.verifyRequest(req, lookup, { realm: REALM });
    assert.equal(!moved.ok && moved.reason, 'uri');
  });
});
