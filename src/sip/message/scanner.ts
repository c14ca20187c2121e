import { MessageParseError } from './parse-error.ts';
import type { Source } from './source.ts';

/**
 * Character classes of the RFC 3261 25.1 grammar as bit flags in one 256-entry table, and the
 * small cursor-style helpers the hand-written parsers share. A scanner function takes the
 * octets (see source.ts), a start index and an end index, and leaves the index where it
 * stopped in `cursor.i` (one module-level cursor: parsing never yields, so no allocation
 * per call is needed).
 */
export const TOKEN = 1; // token: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"
export const USER = 2; // user: unreserved / escaped / user-unreserved
export const PASSWORD = 4; // password: unreserved / escaped / "&" / "=" / "+" / "$" / ","
export const HOST = 8; // hostname / IPv4: alphanum / "-" / "." (and "_", seen in the wild)
export const PARAM = 16; // paramchar: param-unreserved / unreserved / escaped
export const HNV = 32; // hname / hvalue: hnv-unreserved / unreserved / escaped
export const WORD = 64; // word of a Call-ID (RFC 3261 25.1)
export const URIC = 128; // absoluteURI characters kept opaque (RFC 2396 uric, plus "[", "]", "#")
export const GVALUE = 256; // gen-value that is not a quoted-string: token / host (IPv6 included)

const TABLE = new Uint16Array(256);

function mark(chars: string, flags: number): void {
  for (let i = 0; i < chars.length; i++) TABLE[chars.charCodeAt(i)] |= flags;
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const MARK = "-_.!~*'()";
mark(ALNUM, TOKEN | USER | PASSWORD | HOST | PARAM | HNV | WORD | URIC);
mark("-.!%*_+`'~", TOKEN);
mark(MARK + '%' + '&=+$,;?/', USER);
mark(MARK + '%' + '&=+$,', PASSWORD);
mark('-._', HOST);
mark(MARK + '%' + '[]/:&+$', PARAM);
mark(MARK + '%' + '[]/?:+$', HNV);
mark('-.!%*_+`\'~()<>:\\"/[]?{}', WORD);
mark(MARK + '%' + ';/?:@&=+$,[]#', URIC);
for (let c = 0; c < 256; c++) if (TABLE[c] & TOKEN) TABLE[c] |= GVALUE;
mark(':[]', GVALUE);

/** The class as a regular-expression character class (ASCII), for fast-paths.ts. */
export function regexClass(flags: number): string {
  let out = '[';
  for (let c = 0x21; c < 0x7f; c++) {
    if ((TABLE[c] & flags) === 0) continue;
    const ch = String.fromCharCode(c);
    out += /[A-Za-z0-9]/.test(ch) ? ch : `\\x${c.toString(16)}`;
  }
  return `${out}]`;
}

/** Whether every octet of b[start, end) is in the class; false for an empty range. */
export function allOf(b: Buffer, start: number, end: number, flags: number): boolean {
  if (start >= end) return false;
  for (let i = start; i < end; i++) if ((TABLE[b[i]] & flags) === 0) return false;
  return true;
}

/** Index of the first octet at or after `start` (before `end`) not in the class. */
export function spanOf(b: Buffer, start: number, end: number, flags: number): number {
  let i = start;
  while (i < end && (TABLE[b[i]] & flags) !== 0) i++;
  return i;
}

export const SP = 0x20;
export const HT = 0x09;

export function isWs(c: number): boolean {
  return c === SP || c === HT;
}

/** Skips SP and HT (the message is unfolded before any value is parsed, so LWS is just that). */
export function skipWs(b: Buffer, i: number, end: number): number {
  while (i < end) {
    const c = b[i];
    if (c !== SP && c !== HT) break;
    i++;
  }
  return i;
}

/** Index after trailing SP and HT are dropped from b[start, end). */
export function trimEnd(b: Buffer, start: number, end: number): number {
  while (end > start) {
    const c = b[end - 1];
    if (c !== SP && c !== HT) break;
    end--;
  }
  return end;
}

export const cursor = { i: 0 };

/**
 * Scans a quoted-string starting at the opening DQUOTE (RFC 3261 25.1: qdtext and
 * quoted-pair); returns the index after the closing DQUOTE. Throws when it is unterminated.
 * A UTF-8 sequence is skipped octet by octet: none of its octets is DQUOTE or backslash.
 */
export function skipQuoted(b: Buffer, i: number, end: number, what: string): number {
  let c2: number;
  i++;
  while (i < end) {
    const c = b[i];
    if (c === 0x22) return i + 1;
    if (c === 0x5c) {
      if (i + 1 >= end) break;
      c2 = b[i + 1];
      i += 2;
    } else {
      c2 = c;
      i++;
    }
    // Neither qdtext nor quoted-pair holds CR or LF; folds are gone from an unfolded value.
    if (c2 === 0x0d || c2 === 0x0a) throw new MessageParseError(`CR or LF in quoted string in ${what}`);
  }
  throw new MessageParseError(`unterminated quoted string in ${what}`);
}

/** The content of the quoted-string at [start, end) (DQUOTEs included) with quoted-pairs undone. */
export function unquote(src: Source, start: number, end: number): string {
  const inner = src.text(start + 1, end - 1);
  if (inner.indexOf('\\') < 0) return inner;
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner.charCodeAt(i);
    if (c === 0x5c && i + 1 < inner.length) i++;
    out += inner[i];
  }
  return out;
}

/** Parses 1*DIGIT in b[start, end) up to `max`; -1 for no digits or a non-digit, -2 above max. */
export function digits(b: Buffer, start: number, end: number, max: number): number {
  if (start >= end) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = b[i] - 0x30;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
    // Leading zeros are allowed (RFC 4475 3.1.1.1 "0068"); the check keeps n exact.
    if (n > max) {
      for (let j = i + 1; j < end; j++) {
        const d = b[j] - 0x30;
        if (d < 0 || d > 9) return -1;
      }
      return -2;
    }
  }
  return n;
}

/** End of the 1*DIGIT run starting at i (before `end`). */
export function digitRun(b: Buffer, i: number, end: number): number {
  while (i < end) {
    const c = b[i];
    if (c < 0x30 || c > 0x39) break;
    i++;
  }
  return i;
}

/** Octet -> the same octet with A-Z lower-cased. */
export const LOWER = new Uint8Array(256);
for (let c = 0; c < 256; c++) LOWER[c] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;

/** Whether b[i, i + lower.length) equals `lower` (lower-case ASCII octets) ignoring case. */
export function equalsLower(b: Buffer, i: number, lower: Uint8Array): boolean {
  for (let k = 0; k < lower.length; k++) if (LOWER[b[i + k]] !== lower[k]) return false;
  return true;
}

// Parameter names that nearly every message carries: returned as shared strings, which saves
// a slice and a lower-casing per parameter and makes map lookups by them cheap.
const COMMON_NAMES = [
  'branch',
  'tag',
  'rport',
  'received',
  'lr',
  'transport',
  'user',
  'maddr',
  'ttl',
  'expires',
];
/** By length: the names and their octets. */
const BY_LENGTH: { name: string; bytes: Uint8Array }[][] = [];
for (let n = 0; n < 16; n++) BY_LENGTH.push([]);
for (const name of COMMON_NAMES) BY_LENGTH[name.length].push({ name, bytes: Buffer.from(name, 'latin1') });

/** The token at [start, end) of `src` (as a string `s` and octets `b`) lower-cased. */
export function lowerName(b: Buffer, s: string, start: number, end: number): string {
  const n = end - start;
  if (n < 16) {
    const list = BY_LENGTH[n];
    for (let k = 0; k < list.length; k++) if (equalsLower(b, start, list[k].bytes)) return list[k].name;
  }
  return s.slice(start, end).toLowerCase();
}
