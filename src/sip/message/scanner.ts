import { MessageParseError } from './parse-error.ts';

/**
 * Character classes of the RFC 3261 25.1 grammar as bit flags in one 256-entry table, and the
 * small cursor-style helpers the hand-written parsers share. A scanner function takes the
 * text, a start index and an end index, and leaves the index where it stopped in `cursor.i`
 * (one module-level cursor: parsing never yields, so no allocation per call is needed).
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

/** Whether every character of s[start, end) is in the class; false for an empty range. */
export function allOf(s: string, start: number, end: number, flags: number): boolean {
  if (start >= end) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c > 255 || (TABLE[c] & flags) === 0) return false;
  }
  return true;
}

/** Index of the first character at or after `start` (before `end`) not in the class. */
export function spanOf(s: string, start: number, end: number, flags: number): number {
  let i = start;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c > 255 || (TABLE[c] & flags) === 0) break;
    i++;
  }
  return i;
}

export const SP = 0x20;
export const HT = 0x09;

export function isWs(c: number): boolean {
  return c === SP || c === HT;
}

/** Skips SP and HT (the message is unfolded before any value is parsed, so LWS is just that). */
export function skipWs(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c !== SP && c !== HT) break;
    i++;
  }
  return i;
}

/** Index after trailing SP and HT are dropped from s[start, end). */
export function trimEnd(s: string, start: number, end: number): number {
  while (end > start) {
    const c = s.charCodeAt(end - 1);
    if (c !== SP && c !== HT) break;
    end--;
  }
  return end;
}

export const cursor = { i: 0 };

/**
 * Scans a quoted-string starting at the opening DQUOTE (RFC 3261 25.1: qdtext and
 * quoted-pair); returns the index after the closing DQUOTE. Throws when it is unterminated.
 */
export function skipQuoted(s: string, i: number, end: number, what: string): number {
  let c2: number;
  i++;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c === 0x5c) {
      if (i + 1 >= end) break;
      c2 = s.charCodeAt(i + 1);
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

/** The content of the quoted-string s[start, end) (DQUOTEs included) with quoted-pairs undone. */
export function unquote(s: string, start: number, end: number): string {
  const inner = s.slice(start + 1, end - 1);
  if (inner.indexOf('\\') < 0) return inner;
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner.charCodeAt(i);
    if (c === 0x5c && i + 1 < inner.length) i++;
    out += inner[i];
  }
  return out;
}

/** Parses 1*DIGIT in s[start, end) up to `max`; -1 for no digits or a non-digit, -2 above max. */
export function digits(s: string, start: number, end: number, max: number): number {
  if (start >= end) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
    // Leading zeros are allowed (RFC 4475 3.1.1.1 "0068"); the check keeps n exact.
    if (n > max) {
      for (let j = i + 1; j < end; j++) {
        const d = s.charCodeAt(j) - 0x30;
        if (d < 0 || d > 9) return -1;
      }
      return -2;
    }
  }
  return n;
}
