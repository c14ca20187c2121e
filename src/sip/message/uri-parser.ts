import type { Params } from './params.ts';
import { MessageParseError } from './parse-error.ts';
import {
  allOf,
  digitRun,
  digits,
  HNV,
  HOST,
  lowerName,
  PARAM,
  PASSWORD,
  skipWs,
  spanOf,
  trimEnd,
  URIC,
  USER,
} from './scanner.ts';
import { Source } from './source.ts';
import { Uri } from './uri.ts';

const COLON = 0x3a;
const SEMI = 0x3b;
const QMARK = 0x3f;
const AMP = 0x26;
const EQUAL = 0x3d;
const AT = 0x40;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

/** Parses a whole URI (sip, sips, tel, or any other scheme kept opaque). */
export function parseUri(s: string): Uri {
  const src = Source.of(s);
  const b = src.b;
  const start = skipWs(b, 0, b.length);
  return parseUriAt(src, start, trimEnd(b, start, b.length), 'URI');
}

/** What the last scan saw: whether the URI had headers (`?h=v`), and where it stopped. */
export const uriSeen = { headers: false, end: 0 };

/**
 * Parses the URI that is exactly [start, end) of `src`. `what` names it in errors
 * ("Request-URI", or the header it is in). RFC 3261 19.1.1 for sip/sips, RFC 3966 for tel;
 * other schemes are kept as `opaque` so that the layer above decides (416, RFC 3261 8.2.2.1).
 */
export function parseUriAt(src: Source, start: number, end: number, what: string): Uri {
  return scanUri(src, start, end, what, true, false) as Uri;
}

/**
 * Validates the URI at [start, end) exactly as parseUriAt() would parse it, without building
 * anything (the message keeps the text and parses it on first use). Sets `uriSeen`.
 */
export function checkUriAt(src: Source, start: number, end: number, what: string): void {
  scanUri(src, start, end, what, false, false);
}

/**
 * Validates a URI that starts at `start` and stops at the first character that cannot go on
 * with it (before `end`); returns where it stopped. For a URI whose end is found that way
 * (name-addr's '>'), one pass instead of a search and a check. Throws when the part before
 * the stop is not a valid URI, or when a search for '@' or ':' went past it: the caller then
 * checks the bounded URI again, which decides.
 */
export function checkUriUntil(src: Source, start: number, end: number, what: string): number {
  scanUri(src, start, end, what, false, true);
  return uriSeen.end;
}

/** `open`: the URI may stop before `end` (uriSeen.end tells where). */
function scanUri(
  src: Source,
  start: number,
  end: number,
  what: string,
  build: boolean,
  open: boolean,
): Uri | null {
  uriSeen.headers = false;
  const b = src.b;
  let colon = start;
  while (colon < end && b[colon] !== COLON) colon++;
  if (colon === start || colon >= end) throw new MessageParseError(`missing URI scheme in ${label(what)}`);
  const scheme = schemeOf(src, start, colon);
  if (scheme === undefined) throw new MessageParseError(`invalid URI scheme in ${label(what)}`);
  if (scheme === 'sip' || scheme === 'sips') return sipUri(src, scheme, colon + 1, end, what, build, open);
  if (scheme === 'tel') return telUri(src, colon + 1, end, what, build, open);
  const stop = spanOf(b, colon + 1, end, URIC);
  if (stop === colon + 1) throw new MessageParseError(`invalid character in ${label(what)}`);
  stopAt(stop, end, open, what);
  return build ? new Uri({ scheme, opaque: src.s.slice(colon + 1, end) }) : null;
}

/** The end check of a URI that stopped at `i`. */
function stopAt(i: number, end: number, open: boolean, what: string): void {
  uriSeen.end = i;
  if (i !== end && !open) throw new MessageParseError(`invalid character in ${label(what)}`);
}

/** The URI's name in an error: `what` is "Request-URI", "URI" or a header name ("To URI"). */
function label(what: string): string {
  return what === 'Request-URI' || what === 'URI' ? what : `${what} URI`;
}

/** scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), lower-cased; undefined when invalid. */
function schemeOf(src: Source, start: number, end: number): string | undefined {
  const b = src.b;
  const n = end - start;
  const c0 = b[start];
  // Fast paths for the usual spellings: no allocation.
  if (c0 === 0x73 && b[start + 1] === 0x69 && b[start + 2] === 0x70) {
    if (n === 3) return 'sip';
    if (n === 4 && b[start + 3] === 0x73) return 'sips';
  }
  if (n === 3 && c0 === 0x74 && b[start + 1] === 0x65 && b[start + 2] === 0x6c) return 'tel';
  if (!isAlpha(c0)) return undefined;
  for (let i = start + 1; i < end; i++) {
    const c = b[i];
    if (!isAlpha(c) && !(c >= 0x30 && c <= 0x39) && c !== 0x2b && c !== 0x2d && c !== 0x2e) return undefined;
  }
  return src.s.slice(start, end).toLowerCase();
}

function isAlpha(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

function sipUri(
  src: Source,
  scheme: string,
  i: number,
  end: number,
  what: string,
  build: boolean,
  open: boolean,
): Uri | null {
  const b = src.b;
  const s = src.s;
  let user: string | undefined;
  let password: string | undefined;
  // '@' is allowed in none of user, password, host, params or headers unescaped, so the first
  // one ends the userinfo (RFC 3261 25.1); the user part may hold ';', '?' and ',' (4475 3.1.1.9).
  let at = spanOf(b, i, end, USER);
  if (at > i && at < end && b[at] === AT) {
    // The usual shape: a valid user part straight up to the '@'.
    if (build) user = s.slice(i, at);
    i = at + 1;
  } else {
    while (at < end && b[at] !== AT) at++;
    if (at < end) {
      let pc = i;
      while (pc < at && b[pc] !== COLON) pc++;
      if (!allOf(b, i, pc, USER)) throw new MessageParseError(`invalid user part in ${label(what)}`);
      if (build) user = s.slice(i, pc);
      if (pc < at) {
        if (pc + 1 < at && !allOf(b, pc + 1, at, PASSWORD))
          throw new MessageParseError(`invalid password in ${label(what)}`);
        if (build) password = s.slice(pc + 1, at);
      }
      i = at + 1;
    }
  }
  let host = '';
  if (i < end && b[i] === LBRACKET) {
    let rb = i + 1;
    while (rb < end && b[rb] !== RBRACKET) rb++;
    if (rb >= end || !isIPv6(b, i + 1, rb))
      throw new MessageParseError(`invalid IPv6 reference in ${label(what)}`);
    if (build) host = s.slice(i + 1, rb);
    i = rb + 1;
  } else {
    const he = spanOf(b, i, end, HOST);
    if (he === i) throw new MessageParseError(`missing or invalid host in ${label(what)}`);
    if (build) host = s.slice(i, he);
    i = he;
  }
  let port: number | undefined;
  if (i < end && b[i] === COLON) {
    const pe = digitRun(b, i + 1, end);
    const p = digits(b, i + 1, pe, 65535);
    if (p < 0) throw new MessageParseError(`invalid port in ${label(what)}`);
    port = p;
    i = pe;
  }
  // Maps only for a URI that has parameters or headers (most have no headers).
  const params: Params | null = build && i < end && b[i] === SEMI ? new Map() : null;
  while (i < end && b[i] === SEMI) i = uriParam(src, i + 1, end, params, what);
  const headers = build && i < end && b[i] === QMARK ? new Map<string, string>() : null;
  if (i < end && b[i] === QMARK) {
    uriSeen.headers = true;
    i = uriHeader(src, i + 1, end, headers, what);
    while (i < end && b[i] === AMP) i = uriHeader(src, i + 1, end, headers, what);
  }
  stopAt(i, end, open, what);
  if (!build) return null;
  return new Uri({
    scheme,
    user,
    password,
    host,
    port,
    params: params ?? undefined,
    headers: headers ?? undefined,
  });
}

/** tel: global or local number, then parameters (RFC 3966 3); the number goes to `user`. */
function telUri(
  src: Source,
  i: number,
  end: number,
  what: string,
  build: boolean,
  open: boolean,
): Uri | null {
  const b = src.b;
  let ne = i;
  while (ne < end && isTelChar(b[ne])) ne++;
  if (ne === i) throw new MessageParseError(`invalid telephone number in ${label(what)}`);
  const n = i;
  i = ne;
  const params: Params | null = build ? new Map() : null;
  while (i < end && b[i] === SEMI) i = uriParam(src, i + 1, end, params, what);
  stopAt(i, end, open, what);
  return build ? new Uri({ scheme: 'tel', user: src.s.slice(n, ne), params: params as Params }) : null;
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
function uriParam(src: Source, i: number, end: number, params: Params | null, what: string): number {
  const b = src.b;
  const ne = spanOf(b, i, end, PARAM);
  if (ne === i) throw new MessageParseError(`empty or invalid URI parameter in ${label(what)}`);
  if (ne < end && b[ne] === EQUAL) {
    const ve = spanOf(b, ne + 1, end, PARAM);
    if (ve === ne + 1) throw new MessageParseError(`invalid URI parameter value in ${label(what)}`);
    if (params !== null) params.set(lowerName(b, src.s, i, ne), src.s.slice(ne + 1, ve));
    return ve;
  }
  if (params !== null) params.set(lowerName(b, src.s, i, ne), null);
  return ne;
}

/** One header of the URI after its '?' or '&': hname "=" hvalue, kept escaped. */
function uriHeader(
  src: Source,
  i: number,
  end: number,
  headers: Map<string, string> | null,
  what: string,
): number {
  const b = src.b;
  const ne = spanOf(b, i, end, HNV);
  if (ne === i || ne >= end || b[ne] !== EQUAL) {
    throw new MessageParseError(`invalid URI header in ${label(what)}`);
  }
  const ve = spanOf(b, ne + 1, end, HNV);
  if (headers !== null) headers.set(src.s.slice(i, ne), src.s.slice(ne + 1, ve));
  return ve;
}

/** Hex digits, ':' and '.' with at least one ':' (RFC 3261 25.1 IPv6reference, RFC 5118 4.10). */
export function isIPv6(b: Buffer, start: number, end: number): boolean {
  let colons = 0;
  if (start >= end) return false;
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c === COLON) colons++;
    else if (
      !((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66) || c === 0x2e)
    ) {
      return false;
    }
  }
  return colons >= 2;
}
