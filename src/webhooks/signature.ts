/**
 * Webhook request signing (spec rest-api 5.11, vobizxml 1.5):
 *
 *   baseURL = scheme + "://" + host[:port] + path       (query string and fragment removed)
 *   V2      = base64(HMAC-SHA256(authToken, baseURL + nonce))
 *   V3      = base64(HMAC-SHA256(authToken, baseURL + "." + nonce))
 *
 * The body is not signed (canonical Vobiz page). Each nonce is a random 20-digit decimal.
 */
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

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
  let s = String(randomInt(1, 10));
  // randomInt's range is limited to 2^48: draw the remaining 19 digits in small chunks.
  while (s.length < 20) s += String(randomInt(0, 1_000_000)).padStart(6, '0');
  return s.slice(0, 20);
}

/** The signature headers of one request to `url` (fresh nonces each call). */
export function signatureHeaders(url: string | URL, authToken: string): Record<string, string> {
  const n2 = newNonce();
  const n3 = newNonce();
  return {
    'X-Vobiz-Signature-V2': signatureV2(url, n2, authToken),
    'X-Vobiz-Signature-V2-Nonce': n2,
    'X-Vobiz-Signature-V3': signatureV3(url, n3, authToken),
    'X-Vobiz-Signature-V3-Nonce': n3,
  };
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
