import { createHash } from 'node:crypto';

/** RFC 7616 3.3 / RFC 8760 2.2 algorithms, spelled as on the wire. */
export type DigestAlgorithm =
  | 'MD5'
  | 'MD5-sess'
  | 'SHA-256'
  | 'SHA-256-sess'
  | 'SHA-512-256'
  | 'SHA-512-256-sess';

export type DigestQop = 'auth' | 'auth-int';

const ALGORITHMS: Record<string, { name: DigestAlgorithm; hash: string; strength: number; sess: boolean }> = {
  md5: { name: 'MD5', hash: 'md5', strength: 1, sess: false },
  'md5-sess': { name: 'MD5-sess', hash: 'md5', strength: 1, sess: true },
  'sha-256': { name: 'SHA-256', hash: 'sha256', strength: 2, sess: false },
  'sha-256-sess': { name: 'SHA-256-sess', hash: 'sha256', strength: 2, sess: true },
  'sha-512-256': { name: 'SHA-512-256', hash: 'sha512-256', strength: 3, sess: false },
  'sha-512-256-sess': { name: 'SHA-512-256-sess', hash: 'sha512-256', strength: 3, sess: true },
};

/** The algorithm named by an `algorithm=` value (case-insensitive); MD5 when absent (RFC 2617 3.2.1). */
export function parseAlgorithm(value: string | undefined): DigestAlgorithm | undefined {
  if (value === undefined) return 'MD5';
  return ALGORITHMS[value.toLowerCase()]?.name;
}

/** Higher is stronger: SHA-512-256 > SHA-256 > MD5 (RFC 8760 2.4). */
export function algorithmStrength(alg: DigestAlgorithm): number {
  return ALGORITHMS[alg.toLowerCase()].strength;
}

/** H(data) as lower-case hex, with the algorithm's hash function. */
export function digestHash(alg: DigestAlgorithm, data: string | Buffer): string {
  return createHash(ALGORITHMS[alg.toLowerCase()].hash).update(data).digest('hex');
}

/** H(username ":" realm ":" password): the stored secret, whatever the -sess variant. */
export function userHash(alg: DigestAlgorithm, username: string, realm: string, password: string): string {
  return digestHash(alg, `${username}:${realm}:${password}`);
}

export interface DigestInput {
  algorithm: DigestAlgorithm;
  /** H(username:realm:password) for the algorithm's hash function. */
  ha1: string;
  nonce: string;
  method: string;
  uri: string;
  qop?: DigestQop;
  /** Eight hex digits, with qop. */
  nc?: string;
  cnonce?: string;
  /** The message body, hashed for auth-int. */
  body?: Buffer | string;
}

/**
 * The request-digest of RFC 7616 3.4.1 (RFC 2617 3.2.2.1): with qop,
 * KD(HA1, nonce:nc:cnonce:qop:HA2); without, the RFC 2069 form KD(HA1, nonce:HA2).
 * For -sess, HA1 is H(H(user:realm:pass):nonce:cnonce) (3.4.2).
 */
export function digestResponse(d: DigestInput): string {
  const info = ALGORITHMS[d.algorithm.toLowerCase()];
  const ha1 = info.sess ? digestHash(d.algorithm, `${d.ha1}:${d.nonce}:${d.cnonce ?? ''}`) : d.ha1;
  const a2 =
    d.qop === 'auth-int'
      ? `${d.method}:${d.uri}:${digestHash(d.algorithm, d.body ?? '')}`
      : `${d.method}:${d.uri}`;
  const ha2 = digestHash(d.algorithm, a2);
  if (d.qop === undefined) return digestHash(d.algorithm, `${ha1}:${d.nonce}:${ha2}`);
  return digestHash(d.algorithm, `${ha1}:${d.nonce}:${d.nc ?? ''}:${d.cnonce ?? ''}:${d.qop}:${ha2}`);
}
