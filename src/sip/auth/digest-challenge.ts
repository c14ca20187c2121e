import { SipError } from '../errors.ts';
import { type AuthParamOut, formatAuthParams, parseAuthParams } from './auth-params.ts';

/** A Digest challenge of a WWW-Authenticate or Proxy-Authenticate header (RFC 7616 3.3). */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  /** As written; MD5 when the challenge names none. */
  algorithm?: string;
  /** The qop options offered, lower-cased (`auth`, `auth-int`); empty for an RFC 2069 challenge. */
  qop: string[];
  stale: boolean;
  domain?: string;
}

/** Every Digest challenge in a header value (other schemes are skipped). */
export function parseDigestChallenges(value: string): DigestChallenge[] {
  const out: DigestChallenge[] = [];
  for (const p of parseAuthParams(value)) {
    if (p.scheme.toLowerCase() !== 'digest') continue;
    const realm = p.params.get('realm');
    const nonce = p.params.get('nonce');
    if (realm === undefined || nonce === undefined) {
      throw new SipError('PARSE', 'Digest challenge without realm or nonce', 400);
    }
    const qop = p.params.get('qop');
    out.push({
      realm,
      nonce,
      opaque: p.params.get('opaque'),
      algorithm: p.params.get('algorithm'),
      qop: qop === undefined ? [] : splitQop(qop),
      stale: p.params.get('stale')?.toLowerCase() === 'true',
      domain: p.params.get('domain'),
    });
  }
  return out;
}

/** `Digest realm="..", nonce="..", ..., algorithm=.., qop="auth"` (RFC 7616 3.3 order). */
export function formatDigestChallenge(c: DigestChallenge): string {
  const params: AuthParamOut[] = [['realm', c.realm, true]];
  if (c.domain !== undefined) params.push(['domain', c.domain, true]);
  params.push(['nonce', c.nonce, true]);
  if (c.opaque !== undefined) params.push(['opaque', c.opaque, true]);
  if (c.stale) params.push(['stale', 'true', false]);
  if (c.algorithm !== undefined) params.push(['algorithm', c.algorithm, false]);
  if (c.qop.length > 0) params.push(['qop', c.qop.join(','), true]);
  return formatAuthParams('Digest', params);
}

function splitQop(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(',')) {
    const t = part.trim().toLowerCase();
    if (t !== '') out.push(t);
  }
  return out;
}
