import { NameAddr } from './name-addr.ts';
import type { Params } from './params.ts';
import { genericParamsAt } from './params-parser.ts';
import { MessageParseError } from './parse-error.ts';
import { cursor, isWs, skipQuoted, skipWs, spanOf, TOKEN, trimEnd, unquote } from './scanner.ts';
import { checkUriAt, uriSeen } from './uri-parser.ts';

const DQUOTE = 0x22;
const LAQUOT = 0x3c;
const COLON = 0x3a;
const COMMA = 0x2c;
const SEMI = 0x3b;

/**
 * Parses one `( name-addr / addr-spec ) *( SEMI generic-param )` from s[i, end) (RFC 3261
 * 20.10, 25.1), as in From, To, Contact, Route, Record-Route, Refer-To. Leaves `cursor.i`
 * at the ',' that separates it from the next value, or at `end`. `what` names the header.
 */
export function nameAddrAt(s: string, i: number, end: number, what: string): NameAddr {
  i = skipWs(s, i, end);
  if (i >= end || s.charCodeAt(i) === COMMA) throw new MessageParseError(`empty value in ${what}`);
  let displayName: string | undefined;
  let uri: string;
  const c = s.charCodeAt(i);
  if (c === DQUOTE) {
    const qe = skipQuoted(s, i, end, what);
    displayName = unquote(s, i, qe);
    i = skipWs(s, qe, end);
    if (i >= end || s.charCodeAt(i) !== LAQUOT)
      throw new MessageParseError(`missing < after display name in ${what}`);
    uri = angleUri(s, i, end, what);
    i = cursor.i;
  } else if (c === LAQUOT) {
    uri = angleUri(s, i, end, what);
    i = cursor.i;
  } else {
    const te = spanOf(s, i, end, TOKEN);
    if (te === i) throw new MessageParseError(`invalid character in ${what}`);
    if (te < end && s.charCodeAt(te) === COLON) {
      // addr-spec: ';', ',' and LWS end it; those belong to the header (20.10).
      let ue = te + 1;
      while (ue < end) {
        const d = s.charCodeAt(ue);
        if (d === SEMI || d === COMMA || isWs(d)) break;
        ue++;
      }
      checkUriAt(s, i, ue, what);
      if (uriSeen.headers) {
        // RFC 3261 20.10: a URI with headers (or ';' or ',') must be in <>.
        throw new MessageParseError(`URI with headers not enclosed in <> in ${what}`);
      }
      uri = s.slice(i, ue);
      i = ue;
    } else {
      // display-name = *(token LWS): tokens and whitespace up to '<' (RFC 4475 3.1.1.6: no LWS needed).
      let j = te;
      for (;;) {
        j = skipWs(s, j, end);
        if (j >= end) throw new MessageParseError(`missing <URI> after display name in ${what}`);
        const d = s.charCodeAt(j);
        if (d === LAQUOT) break;
        const ne = spanOf(s, j, end, TOKEN);
        if (ne === j) throw new MessageParseError(`non-token characters in display name of ${what}`);
        j = ne;
      }
      displayName = s.slice(i, trimEnd(s, i, j));
      uri = angleUri(s, j, end, what);
      i = cursor.i;
    }
  }
  let params: Params | undefined;
  if (i < end && s.charCodeAt(i) !== COMMA) {
    params = new Map();
    i = genericParamsAt(s, i, end, params, what);
    if (i < end && s.charCodeAt(i) !== COMMA) throw new MessageParseError(`invalid character in ${what}`);
  }
  cursor.i = i;
  return NameAddr.fromText(uri, displayName, params);
}

/** LAQUOT addr-spec RAQUOT with s[i] at '<'; no LWS is allowed inside (RFC 4475 3.1.2.14). */
function angleUri(s: string, i: number, end: number, what: string): string {
  const gt = s.indexOf('>', i + 1);
  if (gt < 0 || gt >= end) throw new MessageParseError(`missing > in ${what}`);
  if (gt === i + 1) throw new MessageParseError(`empty <> in ${what}`);
  if (isWs(s.charCodeAt(i + 1)) || isWs(s.charCodeAt(gt - 1))) {
    throw new MessageParseError(`whitespace inside <> in ${what}`);
  }
  checkUriAt(s, i + 1, gt, what);
  cursor.i = skipWs(s, gt + 1, end);
  return s.slice(i + 1, gt);
}

/** Parses a header value holding exactly one name-addr or addr-spec with parameters. */
export function singleNameAddrAt(s: string, start: number, end: number, what: string): NameAddr {
  const na = nameAddrAt(s, start, end, what);
  if (cursor.i < end) throw new MessageParseError(`more than one value in ${what}`);
  return na;
}

/** Parses a comma-separated list of name-addr / addr-spec values into `out`. */
export function nameAddrListAt(s: string, start: number, end: number, what: string, out: NameAddr[]): void {
  let i = start;
  for (;;) {
    out.push(nameAddrAt(s, i, end, what));
    i = cursor.i;
    if (i >= end) return;
    i++;
  }
}

/** Parses one name-addr or addr-spec with its parameters. */
export function parseNameAddr(s: string): NameAddr {
  return singleNameAddrAt(s, 0, s.length, 'name-addr');
}

/** Parses a comma-separated list of name-addr or addr-spec values with their parameters. */
export function parseNameAddrList(s: string): NameAddr[] {
  const out: NameAddr[] = [];
  nameAddrListAt(s, 0, s.length, 'name-addr list', out);
  return out;
}
