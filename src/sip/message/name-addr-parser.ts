import { NameAddr } from './name-addr.ts';
import type { Params } from './params.ts';
import { genericParamsAt } from './params-parser.ts';
import { MessageParseError } from './parse-error.ts';
import { cursor, isWs, skipQuoted, skipWs, spanOf, TOKEN, trimEnd, unquote } from './scanner.ts';
import { Source } from './source.ts';
import { checkUriAt, checkUriUntil, uriSeen } from './uri-parser.ts';

const DQUOTE = 0x22;
const LAQUOT = 0x3c;
const RAQUOT = 0x3e;
const COLON = 0x3a;
const COMMA = 0x2c;
const SEMI = 0x3b;

/**
 * Parses one `( name-addr / addr-spec ) *( SEMI generic-param )` from [i, end) of `src`
 * (RFC 3261 20.10, 25.1), as in From, To, Contact, Route, Record-Route, Refer-To; only
 * checks it (and returns null) when `build` is false. Leaves `cursor.i` at the ',' that
 * separates it from the next value, or at `end`. `what` names the header. `checked`: the
 * value was checked already (a parsed message builds it), so its URI is not checked again.
 */
export function nameAddrAt(
  src: Source,
  i: number,
  end: number,
  what: string,
  build: boolean,
  checked = false,
): NameAddr | null {
  const b = src.b;
  i = skipWs(b, i, end);
  if (i >= end || b[i] === COMMA) throw new MessageParseError(`empty value in ${what}`);
  let displayName: string | undefined;
  let us: number;
  let ue: number;
  const c = b[i];
  if (c === LAQUOT) {
    us = i + 1;
    ue = angleUri(src, i, end, what, checked);
    i = cursor.i;
  } else if (c === DQUOTE) {
    const qe = skipQuoted(b, i, end, what);
    if (build) displayName = unquote(src, i, qe);
    i = skipWs(b, qe, end);
    if (i >= end || b[i] !== LAQUOT) throw new MessageParseError(`missing < after display name in ${what}`);
    us = i + 1;
    ue = angleUri(src, i, end, what, checked);
    i = cursor.i;
  } else {
    const te = spanOf(b, i, end, TOKEN);
    if (te === i) throw new MessageParseError(`invalid character in ${what}`);
    if (te < end && b[te] === COLON) {
      // addr-spec: ';', ',' and LWS end it; those belong to the header (20.10).
      us = i;
      ue = te + 1;
      while (ue < end) {
        const d = b[ue];
        if (d === SEMI || d === COMMA || isWs(d)) break;
        ue++;
      }
      if (!checked) {
        checkUriAt(src, us, ue, what);
        // RFC 3261 20.10: a URI with headers (or ';' or ',') must be in <>.
        if (uriSeen.headers) throw new MessageParseError(`URI with headers not enclosed in <> in ${what}`);
      }
      i = ue;
    } else {
      // display-name = *(token LWS): tokens and whitespace up to '<' (RFC 4475 3.1.1.6: no LWS needed).
      let j = te;
      for (;;) {
        j = skipWs(b, j, end);
        if (j >= end) throw new MessageParseError(`missing <URI> after display name in ${what}`);
        if (b[j] === LAQUOT) break;
        const ne = spanOf(b, j, end, TOKEN);
        if (ne === j) throw new MessageParseError(`non-token characters in display name of ${what}`);
        j = ne;
      }
      if (build) displayName = src.s.slice(i, trimEnd(b, i, j));
      us = j + 1;
      ue = angleUri(src, j, end, what, checked);
      i = cursor.i;
    }
  }
  let params: Params | undefined;
  if (i < end && b[i] !== COMMA) {
    if (build) params = new Map();
    i = genericParamsAt(src, i, end, build ? (params as Params) : null, what);
    if (i < end && b[i] !== COMMA) throw new MessageParseError(`invalid character in ${what}`);
  }
  cursor.i = i;
  return build ? NameAddr.fromSource(src, us, ue, displayName, params) : null;
}

/**
 * LAQUOT addr-spec RAQUOT with b[i] at '<'; no LWS is allowed inside (RFC 4475 3.1.2.14).
 * Returns the index of the '>' and leaves `cursor.i` after the whitespace that follows it.
 */
function angleUri(src: Source, i: number, end: number, what: string, checked: boolean): number {
  const b = src.b;
  // The usual case in one pass: a valid URI that stops right at a '>'.
  let gt: number;
  if (checked) {
    gt = i + 1;
    while (gt < end && b[gt] !== RAQUOT) gt++;
  } else {
    try {
      gt = checkUriUntil(src, i + 1, end, what);
    } catch {
      gt = -1;
    }
  }
  if (gt < 0 || gt >= end || b[gt] !== RAQUOT) {
    // Anything else: the first '>' ends the URI, which must be valid up to it (this throws).
    gt = i + 1;
    while (gt < end && b[gt] !== RAQUOT) gt++;
    if (gt >= end) throw new MessageParseError(`missing > in ${what}`);
    if (gt === i + 1) throw new MessageParseError(`empty <> in ${what}`);
    if (isWs(b[i + 1]) || isWs(b[gt - 1])) {
      throw new MessageParseError(`whitespace inside <> in ${what}`);
    }
    checkUriAt(src, i + 1, gt, what);
  }
  cursor.i = skipWs(b, gt + 1, end);
  return gt;
}

/** Checks (build false) or parses a value holding exactly one name-addr or addr-spec with parameters. */
export function singleNameAddrAt(
  src: Source,
  start: number,
  end: number,
  what: string,
  build: boolean,
  checked = false,
): NameAddr | null {
  const na = nameAddrAt(src, start, end, what, build, checked);
  if (cursor.i < end) throw new MessageParseError(`more than one value in ${what}`);
  return na;
}

/** Checks (out null) or parses a comma-separated list of name-addr / addr-spec values into `out`. */
export function nameAddrListAt(
  src: Source,
  start: number,
  end: number,
  what: string,
  out: NameAddr[] | null,
  checked = false,
): void {
  let i = start;
  for (;;) {
    const na = nameAddrAt(src, i, end, what, out !== null, checked);
    if (out !== null) out.push(na as NameAddr);
    i = cursor.i;
    if (i >= end) return;
    i++;
  }
}

/** Parses one name-addr or addr-spec with its parameters. */
export function parseNameAddr(s: string): NameAddr {
  const src = Source.of(s);
  return singleNameAddrAt(src, 0, src.b.length, 'name-addr', true) as NameAddr;
}

/** Parses a comma-separated list of name-addr or addr-spec values with their parameters. */
export function parseNameAddrList(s: string): NameAddr[] {
  const out: NameAddr[] = [];
  const src = Source.of(s);
  nameAddrListAt(src, 0, src.b.length, 'name-addr list', out);
  return out;
}
