import { isUsualBareNameAddr, isUsualNameAddr, isUsualVia, usualValueEnd } from './fast-paths.ts';
import { headerInfoAt, Kind, usualNameAt } from './header-table.ts';
import { bit, LazyHeaders } from './lazy-headers.ts';
import type { SipMessage } from './message.ts';
import { nameAddrAt, nameAddrListAt, singleNameAddrAt } from './name-addr-parser.ts';
import { expiresSeen } from './params-parser.ts';
import { lineTooLong, MessageParseError, tooManyHeaders } from './parse-error.ts';
import { RawField } from './raw-field.ts';
import {
  callIdAt,
  contentLengthAt,
  contentTypeAt,
  cseqAt,
  deltaSecondsAt,
  maxForwardsAt,
  sipDateAt,
} from './scalar-parsers.ts';
import { cursor, HT, SP, skipWs, spanOf, TOKEN, trimEnd } from './scanner.ts';
import { Source } from './source.ts';
import { viaListAt } from './via-parser.ts';

/** Size limits checked while parsing (each exceeded one is a 513 naming it). */
export interface ParseLimits {
  /** The whole message, start line to the end of the body. */
  maxMessageBytes: number;
  /** Header fields (a folded field counts once). */
  maxHeaders: number;
  /** One line, start line included, in bytes. */
  maxLineLength: number;
}

const COLON = 0x3a;
const CR = 0x0d;
const LF = 0x0a;
const VIA = bit(Kind.Via);
const FROM = bit(Kind.From);
const TO = bit(Kind.To);

/**
 * What the last readHeaderFields() call found: `end` the index after the empty line (where
 * the body starts), or -1; `seen` a bit per typed header kind present.
 */
export const fieldsResult = { end: -1, seen: 0 };

/**
 * Reads the header fields of `src` from `pos` (the first field line) up to the empty line
 * into `msg`. Every header the stack needs is checked against its grammar here, so that a
 * bad one is rejected at once: Call-ID, CSeq, Max-Forwards, Content-Length and Content-Type
 * are stored, Via, From, To, Contact, Route and Record-Route are left for the message to
 * build on first use (lazy-headers.ts); the rest is kept raw, in received order. Folded
 * lines (RFC 3261 7.3.1) become one value with a single SP. Returns the Content-Length, or
 * -1 when there is none; `fieldsResult` tells where the body starts.
 *
 * Lines end in CRLF; a LF alone is an error. A CR alone cannot pass the typed parsers, and
 * toBuffer() never writes one from a raw value, so no value can smuggle a header line into
 * a message that copies it.
 */
export function readHeaderFields(src: Source, pos: number, msg: SipMessage, limits: ParseLimits): number {
  const b = src.b;
  const s = src.s;
  const len = s.length;
  const maxLine = limits.maxLineLength;
  const maxHeaders = limits.maxHeaders;
  const headers = msg.headers;
  const lazy = new LazyHeaders(src);
  let contentLength = -1;
  let count = 0;
  let seen = 0;
  let wildcard = false;
  fieldsResult.end = -1;
  while (pos < len) {
    // field-name = token (RFC 3261 25.1), then HCOLON; %XX is no escape there (RFC 4475 3.1.1.5).
    let info = usualNameAt(b, pos);
    if (info !== undefined && (bit(info.kind) & LAZY_KINDS) !== 0) {
      // The usual line of Via, From, To, Contact, Route or Record-Route in one step: ": ",
      // a value of the usual shape (fast-paths.ts), CRLF, no fold.
      const kind = info.kind;
      const vs = pos + info.usual.length + 2;
      const once = kind === Kind.From || kind === Kind.To || kind === Kind.Contact;
      if (b[vs - 2] === COLON && b[vs - 1] === SP && (!once || (seen & bit(kind)) === 0)) {
        const ve = usualValueEnd(kind, src, vs);
        if (ve > 0 && b[ve] === CR && b[ve + 1] === LF && b[ve + 2] !== SP && b[ve + 2] !== HT) {
          if (ve - pos > maxLine) throw lineTooLong(maxLine);
          if (++count > maxHeaders) throw tooManyHeaders(maxHeaders);
          lazy.add(kind, src, vs, ve);
          headers.push(info.marker);
          seen |= bit(kind);
          pos = ve + 2;
          continue;
        }
      }
    }
    let eol = lineEnd(src, pos, maxLine);
    if (eol === pos) {
      fieldsResult.end = pos + 2;
      fieldsResult.seen = seen;
      msg._attach(lazy, seen & LAZY_KINDS);
      return contentLength;
    }
    const c0 = b[pos];
    if (c0 === SP || c0 === HT) throw new MessageParseError('whitespace before the first header field');
    const ne = info !== undefined ? pos + info.usual.length : spanOf(b, pos, eol, TOKEN);
    const colon = skipWs(b, ne, eol);
    if (ne === pos || colon >= eol || b[colon] !== COLON) nameError(b, pos, eol);
    let next = eol + 2;
    let folded = false;
    while (next < len) {
      const c = b[next];
      if (c !== SP && c !== HT) break;
      eol = lineEnd(src, next, maxLine);
      next = eol + 2;
      folded = true;
    }
    if (++count > maxHeaders) throw tooManyHeaders(maxHeaders);
    if (info === undefined) info = headerInfoAt(src, pos, ne);
    let v = src;
    let vs = skipWs(b, colon + 1, eol);
    let ve = trimEnd(b, vs, eol);
    if (folded) {
      v = unfold(src, vs, ve);
      vs = skipWs(v.b, 0, v.s.length);
      ve = trimEnd(v.b, vs, v.s.length);
    }
    const kind = info.kind;
    // Literal cases (Kind in header-table.ts) so that the switch is a jump table.
    switch (kind) {
      case 1: // Via
        if (!isUsualVia(v, vs, ve)) viaListAt(v, vs, ve, null);
        lazy.add(kind, v, vs, ve);
        break;
      case 2: // From
      case 3: // To
        if ((seen & bit(kind)) !== 0) throw new MessageParseError(`more than one ${info.canon} header`);
        if (!isUsualNameAddr(v, vs, ve)) singleNameAddrAt(v, vs, ve, info.canon, false);
        lazy.add(kind, v, vs, ve);
        break;
      case 4: // Call-ID
        if (msg.callId !== undefined) throw new MessageParseError('more than one Call-ID header');
        msg.callId = callIdAt(v, vs, ve);
        break;
      case 5: // CSeq
        if (msg.cseq !== undefined) throw new MessageParseError('more than one CSeq header');
        msg.cseq = cseqAt(v, vs, ve);
        break;
      case 6: // Max-Forwards
        if (msg.maxForwards !== undefined) throw new MessageParseError('more than one Max-Forwards header');
        msg.maxForwards = maxForwardsAt(v.b, vs, ve);
        break;
      case 7: // Contact
        if ((seen & bit(kind)) !== 0 || !isUsualBareNameAddr(v, vs, ve)) {
          wildcard = checkContact(v, vs, ve, (seen & bit(kind)) !== 0, wildcard);
        }
        lazy.add(kind, v, vs, ve);
        break;
      case 8: // Route
      case 9: // Record-Route
        if (!isUsualNameAddr(v, vs, ve)) nameAddrListAt(v, vs, ve, info.canon, null);
        lazy.add(kind, v, vs, ve);
        break;
      case 10: // Content-Length
        // RFC 4475 3.3.9: several Content-Length values cannot be told apart.
        if (contentLength >= 0) throw new MessageParseError('more than one Content-Length header');
        contentLength = contentLengthAt(v.b, vs, ve, limits.maxMessageBytes);
        break;
      case 11: // Content-Type
        if (msg.contentType !== undefined) throw new MessageParseError('more than one Content-Type header');
        msg.contentType = contentTypeAt(v, vs, ve);
        break;
      case 12: // Expires
        deltaSecondsAt(v.b, vs, ve, 'Expires');
        break;
      case 13: // Date
        sipDateAt(v, vs, ve);
        break;
    }
    if (kind !== 0 && kind < 12) {
      headers.push(info.marker);
      seen |= bit(kind);
    } else headers.push(new RawField(info.canon, v, vs, ve));
    pos = next;
  }
  return contentLength;
}

/** The kinds the message builds from `LazyHeaders` on first use. */
const LAZY_KINDS = VIA | FROM | TO | bit(Kind.Contact) | bit(Kind.Route) | bit(Kind.RecordRoute);

/**
 * End of the line that starts at `pos`: the index of its CRLF, or the end of the text for a
 * last line without one. A LF without CR is an error (RFC 3261 7.3.1).
 */
export function lineEnd(src: Source, pos: number, maxLine: number): number {
  const s = src.s;
  const lf = s.indexOf('\n', pos);
  let eol: number;
  if (lf < 0) eol = s.length;
  else if (lf > pos && src.b[lf - 1] === 0x0d) eol = lf - 1;
  else throw new MessageParseError('bare LF in header section');
  if (eol - pos > maxLine) throw lineTooLong(maxLine);
  return eol;
}

/** Names what is wrong with a line whose name is not a token followed by a colon. */
function nameError(b: Buffer, pos: number, eol: number): never {
  let colon = pos;
  while (colon < eol && b[colon] !== COLON) colon++;
  if (colon >= eol) throw new MessageParseError('header field without colon');
  if (trimEnd(b, pos, colon) === pos) throw new MessageParseError('empty header field name');
  throw new MessageParseError('invalid header field name');
}

/** The value at [vs, ve) of `src` with every fold replaced by a single SP, as a source of its own. */
function unfold(src: Source, vs: number, ve: number): Source {
  const text = src.s.slice(vs, ve).replace(/[ \t]*\r\n[ \t]+/g, ' ');
  // `src.s` has one character per octet, so Latin-1 gives the same octets back.
  return new Source(Buffer.from(text, 'latin1'), text, src.direct);
}

/**
 * Contact: `*` alone (RFC 3261 10.2.2), or name-addr / addr-spec values whose expires
 * parameter is delta-seconds (10.2.1.1). `more` when an earlier Contact line was seen,
 * `wildcard` when that was `*`. Returns whether this one is.
 */
function checkContact(src: Source, vs: number, ve: number, more: boolean, wildcard: boolean): boolean {
  const b = src.b;
  const star = ve - vs === 1 && b[vs] === 0x2a;
  if (more && (star || wildcard)) throw new MessageParseError('wildcard Contact with other Contact values');
  if (star) return true;
  let i = vs;
  for (;;) {
    expiresSeen.start = -1;
    nameAddrAt(src, i, ve, 'Contact', false);
    if (expiresSeen.start >= 0) deltaSecondsAt(b, expiresSeen.start, expiresSeen.end, 'Contact expires');
    i = cursor.i;
    if (i >= ve) return false;
    i++;
  }
}
