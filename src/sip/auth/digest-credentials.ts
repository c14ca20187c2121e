import { SipError } from '../errors.ts';
import { type AuthParamOut, formatAuthParams, parseAuthParams } from './auth-params.ts';

/** The Digest credentials of an Authorization or Proxy-Authorization header (RFC 7616 3.4). */
export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  /** As written; absent means MD5. */
  algorithm?: string;
  cnonce?: string;
  opaque?: string;
  qop?: string;
  /** nonce-count: eight hex digits. */
  nc?: string;
}

const REQUIRED = ['username', 'realm', 'nonce', 'uri', 'response'] as const;

/**
 * The Digest credentials of a header value; throws a SipError `PARSE` when the value is
 * not Digest or lacks username, realm, nonce, uri or response.
 */
export function parseDigestCredentials(value: string): DigestCredentials {
  const list = parseAuthParams(value);
  const p = list[0];
  if (list.length !== 1 || p.scheme.toLowerCase() !== 'digest') {
    throw new SipError('PARSE', 'credentials are not a single Digest credential', 400);
  }
  for (const name of REQUIRED) {
    if (!p.params.has(name)) throw new SipError('PARSE', `Digest credentials without ${name}`, 400);
  }
  const get = (name: string) => p.params.get(name);
  return {
    username: get('username')!,
    realm: get('realm')!,
    nonce: get('nonce')!,
    uri: get('uri')!,
    response: get('response')!,
    algorithm: get('algorithm'),
    cnonce: get('cnonce'),
    opaque: get('opaque'),
    qop: get('qop'),
    nc: get('nc'),
  };
}

/**
 * `Digest username="..", realm="..", ...`. algorithm, qop and nc are tokens, the rest
 * quoted strings (RFC 7616 3.4, RFC 3261 25.1).
 */
export function formatDigestCredentials(c: DigestCredentials): string {
  const params: AuthParamOut[] = [
    ['username', c.username, true],
    ['realm', c.realm, true],
    ['nonce', c.nonce, true],
    ['uri', c.uri, true],
    ['response', c.response, true],
  ];
  if (c.algorithm !== undefined) params.push(['algorithm', c.algorithm, false]);
  if (c.cnonce !== undefined) params.push(['cnonce', c.cnonce, true]);
  if (c.opaque !== undefined) params.push(['opaque', c.opaque, true]);
  if (c.qop !== undefined) params.push(['qop', c.qop, false]);
  if (c.nc !== undefined) params.push(['nc', c.nc, false]);
  return formatAuthParams('Digest', params);
}
