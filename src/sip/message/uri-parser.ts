import type { Params } from './params.ts';
import { MessageParseError } from './parse-error.ts';
import { allOf, digits, HNV, HOST, PARAM, PASSWORD, spanOf, trimEnd, URIC, USER } from './scanner.ts';
import { Uri } from './uri.ts';

const COLON = 0x3a;
const SEMI = 0x3b;
const QMARK = 0x3f;
const AMP = 0x26;
const EQUAL = 0x3d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

/** Parses a whole URI (sip, sips, tel, or any other scheme kept opaque). */
export function parseUri(s: string): Uri {
  let start = 0;
  while (start < s.length && (s.charCodeAt(start) === 0x20 || s.charCodeAt(start) === 0x09)) start++;
  return parseUriAt(s, start, trimEnd(s, start, s.length), 'URI');
}

/** What the last checkUriAt() saw: whether the URI had headers (`?h=v`). */
export const uriSeen = { headers: false };

/**
 * Parses the URI that is exactly s[start, end). `what` names it in errors ("Request-URI",
 * or the header it is in). RFC 3261 19.1.1 for sip/sips, RFC 3966 for tel; other schemes are kept as
 * `opaque` so that the layer above decides (416, RFC 3261 8.2.2.1).
 */
export function parseUriAt(s: string, start: number, end: number, what: string): Uri {
  return scanUri(s, start, end, what, true) as Uri;
}

/**
 * Validates the URI s[start, end) exactly as parseUriAt() would parse it, without building
 * anything (the message keeps the text and parses it on first use). Sets `uriSeen`.
 */
export function checkUriAt(s: string, start: number, end: number, what: string): void {
  scanUri(s, start, end, what, false);
}

function scanUri(s: string, start: number, end: number, what: string, build: boolean): Uri | null {
  uriSeen.headers = false;
  let colon = s.indexOf(':', start);
  if (colon >= end) colon = -1;
  if (colon <= start) throw new MessageParseError(`missing URI scheme in ${label(what)}`);
  const scheme = schemeOf(s, start, colon);
  if (scheme === undefined) throw new MessageParseError(`invalid URI scheme in ${label(what)}`);
  if (scheme === 'sip' || scheme === 'sips') return sipUri(s, scheme, colon + 1, end, what, build);
  if (scheme === 'tel') return telUri(s, colon + 1, end, what, build);
  if (!allOf(s, colon + 1, end, URIC)) throw new MessageParseError(`invalid character in ${label(what)}`);
  return build ? new Uri({ scheme, opaque: s.slice(colon + 1, end) }) : null;
}

/** The URI's name in an error: `what` is "Request-URI", "URI" or a header name ("To URI"). */
function label(what: string): string {
  return what === 'Request-URI' || what === 'URI' ? what : `${what} URI`;
}

/** scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), lower-cased; undefined when invalid. */
function schemeOf(s: string, start: number, end: number): string | undefined {
  const n = end - start;
  const c0 = s.charCodeAt(start);
  // Fast paths for the usual spellings: no allocation.
  if (c0 === 0x73 && n === 3 && s.charCodeAt(start + 1) === 0x69 && s.charCodeAt(start + 2) === 0x70)
    return 'sip';
  if (
    c0 === 0x73 &&
    n === 4 &&
    s.charCodeAt(start + 1) === 0x69 &&
    s.charCodeAt(start + 2) === 0x70 &&
    s.charCodeAt(start + 3) === 0x73
  )
    return 'sips';
  if (c0 === 0x74 && n === 3 && s.charCodeAt(start + 1) === 0x65 && s.charCodeAt(start + 2) === 0x6c)
    return 'tel';
  if (!isAlpha(c0)) return undefined;
  for (let i = start + 1; i < end; i++) {
    const c = s.charCodeAt(i);
    if (!isAlpha(c) && !(c >= 0x30 && c <= 0x39) && c !== 0x2b && c !== 0x2d && c !== 0x2e) return undefined;
  }
  return s.slice(start, end).toLowerCase();
}

function isAlpha(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

function sipUri(s: string, scheme: string, i: number, end: number, what: string, build: boolean): Uri | null {
  let user: string | undefined;
  let password: string | undefined;
  // '@' is allowed in none of user, password, host, params or headers unescaped, so the first
  // one ends the userinfo (RFC 3261 25.1); the user part may hold ';', '?' and ',' (4475 3.1.1.9).
  const at = s.indexOf('@', i);
  if (at >= 0 && at < end) {
    let pc = s.indexOf(':', i);
    if (pc >= at) pc = -1;
    const userEnd = pc >= 0 ? pc : at;
    if (!allOf(s, i, userEnd, USER)) throw new MessageParseError(`invalid user part in ${label(what)}`);
    if (build) user = s.slice(i, userEnd);
    if (pc >= 0) {
      if (pc + 1 < at && !allOf(s, pc + 1, at, PASSWORD))
        throw new MessageParseError(`invalid password in ${label(what)}`);
      if (build) password = s.slice(pc + 1, at);
    }
    i = at + 1;
  }
  let host = '';
  if (s.charCodeAt(i) === LBRACKET) {
    let rb = -1;
    for (let j = i + 1; j < end; j++) {
      if (s.charCodeAt(j) === RBRACKET) {
        rb = j;
        break;
      }
    }
    if (rb < 0 || !isIPv6(s, i + 1, rb))
      throw new MessageParseError(`invalid IPv6 reference in ${label(what)}`);
    if (build) host = s.slice(i + 1, rb);
    i = rb + 1;
  } else {
    const he = spanOf(s, i, end, HOST);
    if (he === i) throw new MessageParseError(`missing or invalid host in ${label(what)}`);
    if (build) host = s.slice(i, he);
    i = he;
  }
  let port: number | undefined;
  if (i < end && s.charCodeAt(i) === COLON) {
    let pe = i + 1;
    while (pe < end && s.charCodeAt(pe) >= 0x30 && s.charCodeAt(pe) <= 0x39) pe++;
    const p = digits(s, i + 1, pe, 65535);
    if (p < 0) throw new MessageParseError(`invalid port in ${label(what)}`);
    port = p;
    i = pe;
  }
  const params: Params | null = build ? new Map() : null;
  while (i < end && s.charCodeAt(i) === SEMI) i = uriParam(s, i + 1, end, params, what);
  const headers = build ? new Map<string, string>() : null;
  if (i < end && s.charCodeAt(i) === QMARK) {
    uriSeen.headers = true;
    i = uriHeader(s, i + 1, end, headers, what);
    while (i < end && s.charCodeAt(i) === AMP) i = uriHeader(s, i + 1, end, headers, what);
  }
  if (i !== end) throw new MessageParseError(`invalid character in ${label(what)}`);
  return build ? new Uri({ scheme, user, password, host, port, params: params!, headers: headers! }) : null;
}

/** tel: global or local number, then parameters (RFC 3966 3); the number goes to `user`. */
function telUri(s: string, i: number, end: number, what: string, build: boolean): Uri | null {
  let ne = i;
  while (ne < end && isTelChar(s.charCodeAt(ne))) ne++;
  if (ne === i) throw new MessageParseError(`invalid telephone number in ${label(what)}`);
  const n = i;
  i = ne;
  const params: Params | null = build ? new Map() : null;
  while (i < end && s.charCodeAt(i) === SEMI) i = uriParam(s, i + 1, end, params, what);
  if (i !== end) throw new MessageParseError(`invalid character in ${label(what)}`);
  return build ? new Uri({ scheme: 'tel', user: s.slice(n, ne), params: params! }) : null;
}

/** phonedigit-hex, "*", "#", "+" and the visual separators of RFC 3966. */
function isTelChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x46) ||
    (c >= 0x61 && c <= 0x66) ||
    c === 0x2a ||
    c === 0x23 ||
    c === 0x2b ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x28 ||
    c === 0x29
  );
}

/** One uri-parameter after its ';': pname [ "=" pvalue ], name lower-cased (19.1.4). */
function uriParam(s: string, i: number, end: number, params: Params | null, what: string): number {
  const ne = spanOf(s, i, end, PARAM);
  if (ne === i) throw new MessageParseError(`empty or invalid URI parameter in ${label(what)}`);
  if (ne < end && s.charCodeAt(ne) === EQUAL) {
    const ve = spanOf(s, ne + 1, end, PARAM);
    if (ve === ne + 1) throw new MessageParseError(`invalid URI parameter value in ${label(what)}`);
    if (params !== null) params.set(s.slice(i, ne).toLowerCase(), s.slice(ne + 1, ve));
    return ve;
  }
  if (params !== null) params.set(s.slice(i, ne).toLowerCase(), null);
  return ne;
}

/** One header of the URI after its '?' or '&': hname "=" hvalue, kept escaped. */
function uriHeader(
  s: string,
  i: number,
  end: number,
  headers: Map<string, string> | null,
  what: string,
): number {
  const ne = spanOf(s, i, end, HNV);
  if (ne === i || ne >= end || s.charCodeAt(ne) !== EQUAL) {
    throw new MessageParseError(`invalid URI header in ${label(what)}`);
  }
  const ve = spanOf(s, ne + 1, end, HNV);
  if (headers !== null) headers.set(s.slice(i, ne), s.slice(ne + 1, ve));
  return ve;
}

/** Hex digits, ':' and '.' with at least one ':' (RFC 3261 25.1 IPv6reference, RFC 5118 4.10). */
export function isIPv6(s: string, start: number, end: number): boolean {
  let colons = 0;
  if (start >= end) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === COLON) colons++;
    else if (
      !((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66) || c === 0x2e)
    ) {
      return false;
    }
  }
  return colons >= 2;
}
