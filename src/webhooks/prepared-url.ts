/**
 * What the webhook client needs of a customer URL, parsed once per URL text: an
 * application answers every call from the same few URLs, and `new URL` plus the redaction
 * and the signature base were a good part of each request's cost.
 */
import { redactUrl } from './response-check.ts';
import { signatureBaseUrl } from './signature.ts';

/** The parts of an absolute http(s) URL, without its fragment (spec 1.6: never sent). */
export interface PreparedUrl {
  readonly protocol: 'http:' | 'https:';
  readonly hostname: string;
  readonly port: string;
  readonly pathname: string;
  /** `?query` or ''. */
  readonly search: string;
  readonly username: string;
  readonly password: string;
  /** The URL without fragment: what a document reports as its URL. */
  readonly href: string;
  /** The fragment without `#`: a retry policy (spec 1.6). */
  readonly fragment: string;
  /** For logs and errors: no credentials, query or fragment. */
  readonly logUrl: string;
  /** scheme://host[:port]/path: what the signatures sign (spec rest-api 5.11). */
  readonly signatureBase: string;
}

export type PreparedUrlResult =
  | { ok: true; url: PreparedUrl }
  | { ok: false; message: string; logUrl: string };

const MAX_ENTRIES = 256;

/** A bounded memory of prepared URLs (cleared when full: a stream of distinct URLs just misses). */
export class PreparedUrls {
  private readonly entries = new Map<string, PreparedUrlResult>();

  get(raw: string): PreparedUrlResult {
    let r = this.entries.get(raw);
    if (r === undefined) {
      r = prepareUrl(raw);
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      this.entries.set(raw, r);
    }
    return r;
  }
}

export function prepareUrl(raw: string): PreparedUrlResult {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return { ok: false, message: 'not an absolute URL', logUrl: redactUrl(raw) };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    return { ok: false, message: `scheme ${u.protocol} is not http(s)`, logUrl: redactUrl(raw) };
  }
  const fragment = u.hash.slice(1);
  u.hash = '';
  const url: PreparedUrl = Object.freeze({
    protocol: u.protocol as 'http:' | 'https:',
    hostname: u.hostname,
    port: u.port,
    pathname: u.pathname,
    search: u.search,
    username: u.username,
    password: u.password,
    href: u.href,
    fragment,
    logUrl: redactUrl(raw),
    signatureBase: signatureBaseUrl(u),
  });
  return { ok: true, url };
}

/** Characters application/x-www-form-urlencoded leaves as they are (WHATWG URL 5.2). */
const FORM_SAFE = /^[A-Za-z0-9*\-._]*$/;
/** What encodeURIComponent leaves unescaped but the form serializer escapes, and the space. */
const FORM_EXTRA = /%20|[!'()~]/g;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Each ASCII character as the form serializer writes it. */
const ASCII_FORM: readonly string[] = Array.from({ length: 128 }, (_, c) => {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9*\-._]/.test(ch)) return ch;
  if (c === 0x20) return '+';
  return `%${c.toString(16).toUpperCase().padStart(2, '0')}`;
});

function formEscape(s: string): string {
  if (FORM_SAFE.test(s)) return s;
  let ascii = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return formEscapeUnicode(s);
    ascii += ASCII_FORM[c];
  }
  return ascii;
}

function formEscapeUnicode(s: string): string {
  let encoded: string;
  try {
    encoded = encodeURIComponent(s);
  } catch {
    // Lone surrogates become U+FFFD, as URLSearchParams's USVString conversion does.
    encoded = encodeURIComponent(s.replace(LONE_SURROGATE, '\uFFFD'));
  }
  return encoded.replace(FORM_EXTRA, (m) =>
    m === '%20' ? '+' : `%${m.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** `new URLSearchParams(params).toString()`, without building the list first. */
export function formEncode(params: Readonly<Record<string, string>>): string {
  let out = '';
  for (const key of Object.keys(params)) {
    if (out) out += '&';
    out += `${formEscape(key)}=${formEscape(String(params[key]))}`;
  }
  return out;
}
