import type { Params } from './params.ts';
import { MessageParseError } from './parse-error.ts';
import { GVALUE, skipQuoted, skipWs, spanOf, TOKEN, trimEnd } from './scanner.ts';

const SEMI = 0x3b;
const EQUAL = 0x3d;
const DQUOTE = 0x22;

/**
 * Parses `*( SEMI generic-param )` of a header value from s[i, end), with the LWS that
 * SEMI and EQUAL allow around them (RFC 3261 25.1). Names are lower-cased; a value is kept
 * as received (a quoted-string keeps its quotes), `null` for a flag. Returns the index of
 * the first character that does not continue the parameters (after whitespace).
 */
export function genericParamsAt(s: string, i: number, end: number, params: Params, what: string): number {
  for (;;) {
    i = skipWs(s, i, end);
    if (i >= end || s.charCodeAt(i) !== SEMI) return i;
    i = skipWs(s, i + 1, end);
    const ne = spanOf(s, i, end, TOKEN);
    if (ne === i) throw new MessageParseError(`empty or invalid parameter in ${what}`);
    const name = s.slice(i, ne).toLowerCase();
    const j = skipWs(s, ne, end);
    if (j < end && s.charCodeAt(j) === EQUAL) {
      const vs = skipWs(s, j + 1, end);
      let ve: number;
      if (vs < end && s.charCodeAt(vs) === DQUOTE) ve = skipQuoted(s, vs, end, what);
      else {
        ve = spanOf(s, vs, end, GVALUE);
        if (ve === vs) throw new MessageParseError(`invalid value of parameter ${name} in ${what}`);
      }
      params.set(name, s.slice(vs, ve));
      i = ve;
    } else {
      params.set(name, null);
      i = ne;
    }
  }
}

/** Parses a `;a=b;c` string (the leading ';' may be left out). */
export function parseParams(s: string): Params {
  const params: Params = new Map();
  let i = skipWs(s, 0, s.length);
  if (i >= s.length) return params;
  const text = s.charCodeAt(i) === SEMI ? s : `;${s.slice(i)}`;
  if (text !== s) i = 0;
  const end = genericParamsAt(text, i, text.length, params, 'parameters');
  if (end !== text.length) throw new MessageParseError('invalid character in parameters');
  return params;
}

/**
 * Splits a header value of the form `value *( SEMI generic-param )`, such as
 * `active;expires=60` (Subscription-State), `refer;id=3` (Event) or
 * `application/sdp;charset=x` (Content-Type).
 */
export function headerParams(value: string): { value: string; params: Params } {
  const len = value.length;
  let semi = -1;
  for (let i = 0; i < len; i++) {
    const c = value.charCodeAt(i);
    if (c === SEMI) {
      semi = i;
      break;
    }
    if (c === DQUOTE) i = skipQuoted(value, i, len, 'header value') - 1;
  }
  const start = skipWs(value, 0, len);
  if (semi < 0) return { value: value.slice(start, trimEnd(value, start, len)), params: new Map() };
  const params: Params = new Map();
  const end = genericParamsAt(value, semi, len, params, 'header parameters');
  if (end !== len) throw new MessageParseError('invalid character in header parameters');
  return { value: value.slice(start, trimEnd(value, start, semi)), params };
}
