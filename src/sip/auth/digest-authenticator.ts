import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Clock, systemClock } from '../../util/clock.ts';
import type { SipRequest } from '../message/message.ts';
import { parseAuthParams } from './auth-params.ts';
import { formatDigestChallenge } from './digest-challenge.ts';
import { type DigestCredentials, parseDigestCredentials } from './digest-credentials.ts';
import {
  type DigestAlgorithm,
  type DigestQop,
  digestResponse,
  parseAlgorithm,
  userHash,
} from './digest-hash.ts';

/** What a lookup returns: the password, or H(username:realm:password) for the algorithm asked. */
export type StoredCredential = { password: string } | { ha1: string };

export type CredentialLookup = (
  username: string,
  realm: string,
  algorithm: DigestAlgorithm,
) => StoredCredential | undefined | Promise<StoredCredential | undefined>;

export type VerifyFailure =
  | 'missing' // no credentials: send the challenge
  | 'malformed' // unparsable, or a required parameter is absent
  | 'realm' // credentials for another realm
  | 'algorithm' // an algorithm we did not offer
  | 'qop' // a qop we did not offer
  | 'uri' // uri does not match the Request-URI
  | 'nonce' // a nonce we did not issue (tampered, another secret, or from the future)
  | 'unknown-user'
  | 'bad-response' // wrong password
  | 'stale' // right password, expired nonce: challenge again with stale=true
  | 'replay'; // a nonce-count already seen (only with checkNonceCount)

export type VerifyResult =
  | { ok: true; username: string; realm: string; algorithm: DigestAlgorithm }
  | { ok: false; reason: VerifyFailure; username?: string };

export interface DigestAuthenticatorOptions {
  /** Key of the nonce HMAC; nodes that share it accept each other's nonces. */
  secret: string | Buffer;
  /**
   * Time source of nonce timestamps. Defaults to wall time (Date.now), not the monotonic
   * systemClock, so that nonces stay valid across restarts and between nodes.
   */
  clock?: Clock;
  /** Nonce lifetime; 300 s by default. */
  nonceTtlMs?: number;
  /** Offered by `challenges()` in this order, strongest first (RFC 8760 2.4); default SHA-256, MD5. */
  algorithms?: readonly ('SHA-256' | 'MD5')[];
  /**
   * Remember the highest nc per nonce and refuse a repeat (RFC 7616 3.4.1 replay check).
   * Off by default: the state is per process, so with several nodes it would refuse valid
   * requests; without it a captured request can be replayed until its nonce expires.
   */
  checkNonceCount?: boolean;
}

const wallClock: Clock = { now: () => Date.now(), setTimer: systemClock.setTimer };
const NONCE_BYTES = 8 + 8 + 16; // timestamp, random, HMAC
const MAX_TRACKED_NONCES = 10_000;
const CLOCK_SKEW_MS = 5_000;

/**
 * Server side of SIP digest authentication (RFC 3261 22, RFC 7616, RFC 8760). Nonces carry
 * their issue time and an HMAC of it with our secret, so verifying needs no per-nonce state:
 * base64url(time[8] | random[8] | HMAC-SHA256(secret, time | random | realm)[16]).
 *
 * Challenges always offer qop=auth; credentials may use auth, auth-int, or no qop (the
 * RFC 2069 form some old phones still send).
 */
export class DigestAuthenticator {
  private readonly secret: Buffer;
  private readonly clock: Clock;
  private readonly ttl: number;
  private readonly algorithms: readonly DigestAlgorithm[];
  private readonly seen?: Map<string, { nc: number; issued: number }>;

  constructor(opts: DigestAuthenticatorOptions) {
    this.secret = typeof opts.secret === 'string' ? Buffer.from(opts.secret, 'utf8') : opts.secret;
    if (this.secret.length === 0) throw new TypeError('DigestAuthenticator needs a non-empty secret');
    this.clock = opts.clock ?? wallClock;
    this.ttl = opts.nonceTtlMs ?? 300_000;
    this.algorithms = opts.algorithms ?? ['SHA-256', 'MD5'];
    if (opts.checkNonceCount) this.seen = new Map();
  }

  /** One WWW-Authenticate / Proxy-Authenticate value with a fresh nonce. */
  challenge(opts: { realm: string; algorithm?: 'MD5' | 'SHA-256'; stale?: boolean }): string {
    return formatDigestChallenge({
      realm: opts.realm,
      nonce: this.createNonce(opts.realm),
      algorithm: opts.algorithm ?? 'MD5',
      qop: ['auth'],
      stale: opts.stale ?? false,
    });
  }

  /** One challenge per configured algorithm, strongest first: add each as its own header line (RFC 8760 2.4). */
  challenges(opts: { realm: string; stale?: boolean }): string[] {
    return this.algorithms.map((algorithm) =>
      this.challenge({ ...opts, algorithm: algorithm as 'MD5' | 'SHA-256' }),
    );
  }

  /**
   * Checks one Authorization / Proxy-Authorization value against `opts.realm`. The uri
   * parameter is compared with `opts.requestUri` when given, loosely as RFC 2617 3.2.2.5
   * allows for proxies that rewrite it: scheme, host (any case), user and port must agree,
   * but a missing user or port matches any (SIPp sends `uri="sip:host:port"` for
   * `sip:service@host:port`); URI parameters and headers are ignored.
   */
  async verify(
    method: string,
    credentials: string | undefined,
    lookup: CredentialLookup,
    opts: { realm: string; requestUri?: string; body?: Buffer | string },
  ): Promise<VerifyResult> {
    if (credentials === undefined || credentials.trim() === '') return { ok: false, reason: 'missing' };
    let c: DigestCredentials;
    try {
      c = parseDigestCredentials(credentials);
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    const username = c.username;
    if (c.realm !== opts.realm) return { ok: false, reason: 'realm', username };
    const algorithm = parseAlgorithm(c.algorithm);
    if (!algorithm || !this.algorithms.includes(algorithm))
      return { ok: false, reason: 'algorithm', username };
    let qop: DigestQop | undefined;
    let nc = 0;
    if (c.qop !== undefined) {
      const q = c.qop.toLowerCase();
      if (q !== 'auth' && q !== 'auth-int') return { ok: false, reason: 'qop', username };
      qop = q;
      if (c.cnonce === undefined || c.nc === undefined || !/^[0-9a-fA-F]{8}$/.test(c.nc)) {
        return { ok: false, reason: 'malformed', username };
      }
      nc = Number.parseInt(c.nc, 16);
    }
    if (opts.requestUri !== undefined && !urisMatch(c.uri, opts.requestUri)) {
      return { ok: false, reason: 'uri', username };
    }
    const issued = this.checkNonce(c.nonce, c.realm);
    if (issued === undefined) return { ok: false, reason: 'nonce', username };

    const stored = await lookup(username, c.realm, algorithm);
    if (!stored) return { ok: false, reason: 'unknown-user', username };
    const ha1 =
      'ha1' in stored ? stored.ha1.toLowerCase() : userHash(algorithm, username, c.realm, stored.password);
    const expected = digestResponse({
      algorithm,
      ha1,
      nonce: c.nonce,
      method,
      uri: c.uri,
      qop,
      nc: c.nc,
      cnonce: c.cnonce,
      body: opts.body,
    });
    if (!sameHex(expected, c.response)) return { ok: false, reason: 'bad-response', username };
    // RFC 7616 3.3: stale means the credentials were right but the nonce is too old.
    if (this.clock.now() - issued > this.ttl) return { ok: false, reason: 'stale', username };
    if (this.seen && !this.recordNonceCount(c.nonce, nc, issued))
      return { ok: false, reason: 'replay', username };
    return { ok: true, username, realm: c.realm, algorithm };
  }

  /**
   * Verifies a request: the Authorization (or, for a proxy, Proxy-Authorization) line whose
   * realm is ours, against the Request-URI and body (for auth-int).
   */
  verifyRequest(
    req: SipRequest,
    lookup: CredentialLookup,
    opts: { realm: string; proxy?: boolean },
  ): Promise<VerifyResult> {
    const lines = req.getAll(opts.proxy ? 'Proxy-Authorization' : 'Authorization');
    const ours = lines.find((v) => realmOf(v) === opts.realm) ?? lines[0];
    return this.verify(req.method, ours, lookup, {
      realm: opts.realm,
      requestUri: req.uri.toString(),
      body: req.body,
    });
  }

  private createNonce(realm: string): string {
    const buf = Buffer.allocUnsafe(NONCE_BYTES);
    buf.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(this.clock.now()))), 0);
    randomBytes(8).copy(buf, 8);
    this.mac(buf, realm).copy(buf, 16, 0, 16);
    return buf.toString('base64url');
  }

  /** The issue time of a nonce of ours, or undefined when it is not one. */
  private checkNonce(nonce: string, realm: string): number | undefined {
    if (nonce.length !== Math.ceil((NONCE_BYTES * 4) / 3)) return undefined;
    const buf = Buffer.from(nonce, 'base64url');
    // Canonical encoding only: the decoder ignores stray bits and characters.
    if (buf.length !== NONCE_BYTES || buf.toString('base64url') !== nonce) return undefined;
    if (!timingSafeEqual(this.mac(buf, realm).subarray(0, 16), buf.subarray(16))) return undefined;
    const issued = Number(buf.readBigUInt64BE(0));
    return issued > this.clock.now() + CLOCK_SKEW_MS ? undefined : issued;
  }

  private mac(buf: Buffer, realm: string): Buffer {
    return createHmac('sha256', this.secret).update(buf.subarray(0, 16)).update(realm, 'utf8').digest();
  }

  /** False when `nc` is not above the last one seen for this nonce. */
  private recordNonceCount(nonce: string, nc: number, issued: number): boolean {
    const seen = this.seen!;
    const prev = seen.get(nonce);
    if (prev && nc <= prev.nc) return false;
    seen.set(nonce, { nc, issued });
    if (seen.size > MAX_TRACKED_NONCES) {
      const now = this.clock.now();
      for (const [k, v] of seen) if (now - v.issued > this.ttl) seen.delete(k);
      // Still full of live nonces: forget the oldest entries (Map keeps insertion order).
      for (const k of seen.keys()) {
        if (seen.size <= MAX_TRACKED_NONCES) break;
        seen.delete(k);
      }
    }
    return true;
  }
}

function realmOf(value: string): string | undefined {
  try {
    return parseAuthParams(value)[0]?.params.get('realm');
  } catch {
    return undefined;
  }
}

function sameHex(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'latin1');
  const b = Buffer.from(given.toLowerCase(), 'latin1');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** scheme, user, host (lower-cased) and port of a URI; params and headers dropped. */
function uriKey(uri: string): { scheme: string; user: string; host: string; port: string } {
  const colon = uri.indexOf(':');
  const scheme = uri.slice(0, colon).toLowerCase();
  let rest = uri.slice(colon + 1);
  const at = rest.lastIndexOf('@');
  const user = at >= 0 ? rest.slice(0, at) : '';
  rest = at >= 0 ? rest.slice(at + 1) : rest;
  let end = rest.length;
  for (let i = 0; i < rest.length; i++) {
    const c = rest.charCodeAt(i);
    if (c === 0x3b || c === 0x3f) {
      end = i;
      break;
    }
  }
  const hostport = rest.slice(0, end).toLowerCase();
  const close = hostport.lastIndexOf(']');
  const portColon = hostport.lastIndexOf(':');
  if (portColon > close && (close >= 0 || hostport.indexOf(':') === portColon)) {
    return { scheme, user, host: hostport.slice(0, portColon), port: hostport.slice(portColon + 1) };
  }
  return { scheme, user, host: hostport, port: '' };
}

function urisMatch(a: string, b: string): boolean {
  if (a === b) return true;
  const x = uriKey(a);
  const y = uriKey(b);
  return (
    x.scheme === y.scheme &&
    x.host === y.host &&
    (x.user === y.user || !x.user || !y.user) &&
    (x.port === y.port || !x.port || !y.port)
  );
}
