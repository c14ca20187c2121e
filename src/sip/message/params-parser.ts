import type { Params } from './params.ts';
import { MessageParseError } from './parse-error.ts';
import { GVALUE, isWs, lowerName, skipQuoted, skipWs, spanOf, TOKEN, trimEnd } from './scanner.ts';
import { Source } from './source.ts';

const SEMI = 0x3b;
const EQUAL = 0x3d;
const DQUOTE = 0x22;

/**
 * Where the last genericParamsAt() call saw an `expires` parameter with a value (the value's
 * [start, end)), or start -1: a Contact's expires is checked without building its map.
 */
export const expiresSeen = { start: -1, end: -1 };

/**
 * Parses `*( SEMI generic-param )` of a header value from [i, end) of `src`, with the LWS
 * that SEMI and EQUAL allow around them (RFC 3261 25.1), into `params` (or only checks them
 * when it is null). Names are lower-cased; a value is kept as received (a quoted-string
 * keeps its quotes), `null` for a flag. Returns the index of the first character that does
 * not continue the parameters (after whitespace).
 */
export function genericParamsAt(
  src: Source,
  i: number,
  end: number,
  params: Params | null,
  what: string,
): number {
  const b = src.b;
  expiresSeen.start = -1;
  for (;;) {
    // LWS is rare around SEMI and EQUAL: one test before each skip.
    if (i < end && isWs(b[i])) i = skipWs(b, i, end);
    if (i >= end || b[i] !== SEMI) return i;
    i++;
    if (i < end && isWs(b[i])) i = skipWs(b, i, end);
    const ns = i;
    const ne = spanOf(b, i, end, TOKEN);
    if (ne === ns) throw new MessageParseError(`empty or invalid parameter in ${what}`);
    i = ne;
    if (i < end && isWs(b[i])) i = skipWs(b, i, end);
    if (i < end && b[i] === EQUAL) {
      i++;
      if (i < end && isWs(b[i])) i = skipWs(b, i, end);
      const vs = i;
      const quoted = i < end && b[i] === DQUOTE;
      if (quoted) i = skipQuoted(b, i, end, what);
      else {
        i = spanOf(b, i, end, GVALUE);
        if (i === vs) {
          const name = src.s.slice(ns, ne).toLowerCase();
          throw new MessageParseError(`invalid value of parameter ${name} in ${what}`);
        }
      }
      // Only a quoted-string may hold UTF-8; a token is ASCII.
      if (params !== null)
        params.set(lowerName(b, src.s, ns, ne), quoted ? src.text(vs, i) : src.s.slice(vs, i));
      else if (ne - ns === 7 && isExpires(b, ns)) {
        expiresSeen.start = vs;
        expiresSeen.end = i;
      }
    } else {
      if (params !== null) params.set(lowerName(b, src.s, ns, ne), null);
      else if (ne - ns === 7 && isExpires(b, ns)) expiresSeen.start = -1;
      i = ne;
    }
  }
}

/** "expires" in any case at b[i]. */
function isExpires(b: Buffer, i: number): boolean {
  return (
    (b[i] | 0x20) === 0x65 &&
    (b[i + 1] | 0x20) === 0x78 &&
    (b[i + 2] | 0x20) === 0x70 &&
    (b[i + 3] | 0x20) === 0x69 &&
    (b[i + 4] | 0x20) === 0x72 &&
    (b[i + 5] | 0x20) === 0x65 &&
    (b[i + 6] | 0x20) === 0x73
  );
}

/** Parses a `;a=b;c` string (the leading ';' may be left out). */
export function parseParams(s: string): Params {
  const params: Params = new Map();
  let i = 0;
  while (i < s.length && (s.charCodeAt(i) === 0x20 || s.charCodeAt(i) === 0x09)) i++;
  if (i >= s.length) return params;
  const src = Source.of(s.charCodeAt(i) === SEMI ? s.slice(i) : `;${s.slice(i)}`);
  const end = genericParamsAt(src, 0, src.b.length, params, 'parameters');
  if (end !== src.b.length) throw new MessageParseError('invalid character in parameters');
  return params;
}

/**
 * Splits a header value of the form `value *( SEMI generic-param )`, such as
 * `active;expires=60` (Subscription-State), `refer;id=3` (Event) or
 * `application/sdp;charset=x` (Content-Type).
 */
export function headerParams(value: string): { value: string; params: Params } {
  const src = Source.of(value);
  const b = src.b;
  const len = b.length;
  let semi = -1;
  for (let i = 0; i < len; i++) {
    const c = b[i];
    if (c === SEMI) {
      semi = i;
      break;
    }
    if (c === DQUOTE) i = skipQuoted(b, i, len, 'header value') - 1;
  }
  const start = skipWs(b, 0, len);
  if (semi < 0) return { value: src.text(start, trimEnd(b, start, len)), params: new Map() };
  const params: Params = new Map();
  const end = genericParamsAt(src, semi, len, params, 'header parameters');
  if (end !== len) throw new MessageParseError('invalid character in header parameters');
  return { value: src.text(start, trimEnd(b, start, semi)), params };
}
