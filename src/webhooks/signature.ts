/**
 * Webhook request signing (spec rest-api 5.11, vobizxml 1.5):
 *
 *   baseURL = scheme + "://" + host[:port] + path       (query string and fragment removed)
 *   V2      = base64(HMAC-SHA256(authToken, baseURL + nonce))
 *   V3      = base64(HMAC-SHA256(authToken, baseURL + "." + nonce))
 *
 * The body is not signed (canonical Vobiz page). Each nonce is a random 20-digit decimal.
 */
import { createHmac, randomFillSync, timingSafeEqual } from 'node:crypto';

export type SignatureVersion = 'v2' | 'v3';

/** The signed part of a callback URL: scheme://host[:port]/path. */
export function signatureBaseUrl(url: string | URL): string {
  const u = typeof url === 'string' ? new URL(url) : url;
  return `${u.protocol}//${u.host}${u.pathname}`;
}

export function signatureV3(url: string | URL, nonce: string, authToken: string): string {
  return hmac(authToken, `${signatureBaseUrl(url)}.${nonce}`);
}

export function signatureV2(url: string | URL, nonce: string, authToken: string): string {
  return hmac(authToken, `${signatureBaseUrl(url)}${nonce}`);
}

/** A fresh random 20-digit decimal nonce (first digit non-zero, so always 20 digits long). */
export function newNonce(): string {
  // One digit per random octet below 250 (250 = 25 x 10: no digit is favoured); octets come
  // from a pooled buffer refilled by the CSPRNG, not one crypto call per digit.
  let s = '';
  while (s.length < 20) {
    const b = nextOctet();
    if (b >= 250) continue;
    const digit = b % 10;
    if (s.length === 0 && digit === 0) continue;
    s += String.fromCharCode(48 + digit);
  }
  return s;
}

const pool = Buffer.alloc(4096);
let poolAt = pool.length;

function nextOctet(): number {
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  return pool[poolAt++];
}

/** The signature headers of one request to `url` (fresh nonces each call). */
export function signatureHeaders(url: string | URL, authToken: string): Record<string, string> {
  return signWithBase(signatureBaseUrl(url), authToken, {});
}

/**
 * The signature headers for a request whose signed base URL (signatureBaseUrl) is already
 * known, added to `into` (fresh nonces each call).
 */
export function signWithBase(
  base: string,
  authToken: string,
  into: Record<string, string>,
): Record<string, string> {
  const n2 = newNonce();
  const n3 = newNonce();
  into['X-Vobiz-Signature-V2'] = hmac(authToken, `${base}${n2}`);
  into['X-Vobiz-Signature-V2-Nonce'] = n2;
  into['X-Vobiz-Signature-V3'] = hmac(authToken, `${base}.${n3}`);
  into['X-Vobiz-Signature-V3-Nonce'] = n3;
  return into;
}

export interface SignatureCheck {
  /** The callback URL as registered (its query string and fragment are ignored). */
  url: string | URL;
  /** `X-Vobiz-Signature-V3-Nonce` (or `-V2-Nonce`). */
  nonce: string | undefined;
  /** `X-Vobiz-Signature-V3` (or `-V2`). */
  signature: string | undefined;
  authToken: string;
  /** Default 'v3'. */
  version?: SignatureVersion;
}

/** For receivers: checks a V3 (default) or V2 signature, comparing in constant time. */
export function verifyWebhookSignature(check: SignatureCheck): boolean {
  const { url, nonce, signature, authToken, version = 'v3' } = check;
  if (!nonce || !signature) return false;
  let expected: string;
  try {
    expected = version === 'v3' ? signatureV3(url, nonce, authToken) : signatureV2(url, nonce, authToken);
  } catch {
    return false; // not a URL
  }
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(signature, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function hmac(key: string, data: string): string {
  return createHmac('sha256', key).update(data, 'utf8').digest('base64');
}
