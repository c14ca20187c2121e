import { randomBytes } from 'node:crypto';
import { SipError } from '../errors.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import { type DigestChallenge, parseDigestChallenges } from './digest-challenge.ts';
import { formatDigestCredentials } from './digest-credentials.ts';
import {
  algorithmStrength,
  type DigestAlgorithm,
  type DigestQop,
  digestResponse,
  parseAlgorithm,
  userHash,
} from './digest-hash.ts';

export interface DigestAnswerInput {
  username: string;
  password: string;
  method: string;
  /** The Request-URI (RFC 3261 22.4). */
  uri: string;
  /** Hashed when the server asks for auth-int only. */
  body?: Buffer | string;
  /** Fixed client nonce, for tests; random otherwise. */
  cnonce?: string;
}

const MAX_NONCES = 32;

/**
 * The nonce-counts a client has used (RFC 7616 3.4: nc counts the requests sent with one
 * nonce, starting at 00000001). Keep one per user agent; it forgets the oldest nonces.
 */
export class DigestClientState {
  private readonly counts = new Map<string, number>();

  /** The next nc for `nonce`, as eight hex digits. */
  nextNonceCount(nonce: string): string {
    const n = (this.counts.get(nonce) ?? 0) + 1;
    this.counts.delete(nonce);
    this.counts.set(nonce, n);
    if (this.counts.size > MAX_NONCES) {
      const oldest = this.counts.keys().next().value;
      if (oldest !== undefined) this.counts.delete(oldest);
    }
    return n.toString(16).padStart(8, '0');
  }
}

/**
 * The Authorization (or Proxy-Authorization) value answering a challenge (RFC 7616 3.4).
 * Given several challenges, the strongest algorithm we know wins (RFC 8760 2.4:
 * SHA-512-256, then SHA-256, then MD5), the first among equals. qop=auth is used when
 * offered, auth-int (hashing the body) when only that is, and no qop when the challenge
 * has none (RFC 2069). Throws a SipError `REJECTED` when no challenge can be answered,
 * `PARSE` when one is malformed.
 */
export function answerChallenge(
  challenges: string | readonly string[],
  input: DigestAnswerInput,
  state: DigestClientState = new DigestClientState(),
): string {
  const values = typeof challenges === 'string' ? [challenges] : challenges;
  let best: { c: DigestChallenge; alg: DigestAlgorithm; qop: DigestQop | undefined } | undefined;
  for (const value of values) {
    for (const c of parseDigestChallenges(value)) {
      const alg = parseAlgorithm(c.algorithm);
      if (!alg) continue;
      const qop = pickQop(c.qop);
      if (qop === null) continue;
      if (!best || algorithmStrength(alg) > algorithmStrength(best.alg)) best = { c, alg, qop };
    }
  }
  if (!best) throw new SipError('REJECTED', 'no Digest challenge with an algorithm and qop we support');
  const { c, alg, qop } = best;
  const cnonce = qop || alg.endsWith('-sess') ? (input.cnonce ?? randomBytes(12).toString('hex')) : undefined;
  const nc = qop ? state.nextNonceCount(c.nonce) : undefined;
  const response = digestResponse({
    algorithm: alg,
    ha1: userHash(alg, input.username, c.realm, input.password),
    nonce: c.nonce,
    method: input.method,
    uri: input.uri,
    qop,
    nc,
    cnonce,
    body: input.body,
  });
  return formatDigestCredentials({
    username: input.username,
    realm: c.realm,
    nonce: c.nonce,
    uri: input.uri,
    response,
    algorithm: c.algorithm === undefined ? undefined : alg,
    cnonce,
    opaque: c.opaque,
    qop,
    nc,
  });
}

/**
 * The header to add to `req` (a new request with the next CSeq) after `res`, a 401 (its
 * WWW-Authenticate lines give an Authorization) or a 407 (Proxy-Authenticate lines give a
 * Proxy-Authorization), RFC 3261 22.2 / 22.3.
 */
export function authorizeRequest(
  req: SipRequest,
  res: SipResponse,
  credentials: { username: string; password: string },
  state: DigestClientState,
): { name: 'Authorization' | 'Proxy-Authorization'; value: string } {
  if (res.status !== 401 && res.status !== 407) {
    throw new SipError('STATE', `a ${res.status} response carries no challenge to answer`);
  }
  const proxy = res.status === 407;
  const lines = res.getAll(proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate');
  if (lines.length === 0) throw new SipError('REJECTED', `${res.status} without a challenge`, res.status);
  const value = answerChallenge(
    lines,
    { ...credentials, method: req.method, uri: req.uri.toString(), body: req.body },
    state,
  );
  return { name: proxy ? 'Proxy-Authorization' : 'Authorization', value };
}

/** auth if offered, else auth-int; undefined for no qop; null when only unknown ones are offered. */
function pickQop(offered: readonly string[]): DigestQop | undefined | null {
  if (offered.length === 0) return undefined;
  if (offered.includes('auth')) return 'auth';
  if (offered.includes('auth-int')) return 'auth-int';
  return null;
}
