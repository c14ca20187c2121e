import type { CSeq } from './message.ts';
import { genericParamsAt } from './params-parser.ts';
import { contentLengthOver, MessageParseError } from './parse-error.ts';
import { digitRun, digits, skipWs, spanOf, TOKEN, trimEnd } from './scanner.ts';
import { Source } from './source.ts';

/** RFC 3261 8.1.1.5: the CSeq number is less than 2^31. */
export const MAX_CSEQ = 2 ** 31 - 1;
/** RFC 3261 25.1 delta-seconds (Expires, Contact expires): up to 2^32-1 (20.19). */
const MAX_DELTA_SECONDS = 2 ** 32 - 1;

/** CSeq = 1*DIGIT LWS Method (20.16). */
export function cseqAt(src: Source, start: number, end: number): CSeq {
  const b = src.b;
  const de = digitRun(b, start, end);
  const seq = digits(b, start, de, MAX_CSEQ);
  if (seq === -2) throw new MessageParseError('CSeq number out of range');
  const ms = skipWs(b, de, end);
  if (seq < 0 || ms === de) throw new MessageParseError('malformed CSeq');
  const me = spanOf(b, ms, end, TOKEN);
  if (me === ms || me !== end) throw new MessageParseError('malformed CSeq method');
  return { seq, method: methodAt(src, ms, me) };
}

/** Parses a CSeq header value such as `314159 INVITE`. */
export function parseCSeq(s: string): CSeq {
  const src = Source.of(s);
  const start = skipWs(src.b, 0, src.b.length);
  return cseqAt(src, start, trimEnd(src.b, start, src.b.length));
}

/** Max-Forwards = 1*DIGIT, 0..255 (20.22). */
export function maxForwardsAt(b: Buffer, start: number, end: number): number {
  const n = digits(b, start, end, 255);
  if (n === -2) throw new MessageParseError('Max-Forwards out of range');
  if (n < 0) throw new MessageParseError('malformed Max-Forwards');
  return n;
}

/** Content-Length = 1*DIGIT (20.14); `max` bounds it before any arithmetic. */
export function contentLengthAt(b: Buffer, start: number, end: number, max: number): number {
  if (start < end && b[start] === 0x2d) throw new MessageParseError('negative Content-Length');
  const n = digits(b, start, end, max);
  if (n === -2) throw contentLengthOver(max);
  if (n < 0) throw new MessageParseError('malformed Content-Length');
  return n;
}

/** delta-seconds of an Expires header or a Contact expires parameter (20.19, 20.10). */
export function deltaSecondsAt(b: Buffer, start: number, end: number, what: string): number {
  const n = digits(b, start, end, MAX_DELTA_SECONDS);
  if (n === -2) throw new MessageParseError(`${what} out of range`);
  if (n < 0) throw new MessageParseError(`malformed ${what}`);
  return n;
}

const SIP_DATE =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} (\S+)$/;

/**
 * Date = SIP-date (20.17): an RFC 1123 date whose zone is always "GMT". Other zones are
 * rejected (RFC 4475 3.1.2.12) rather than guessed at.
 */
export function sipDateAt(src: Source, start: number, end: number): void {
  const m = SIP_DATE.exec(src.s.slice(start, end));
  if (!m) throw new MessageParseError('malformed Date');
  if (m[1] !== 'GMT') throw new MessageParseError('time zone in Date is not GMT');
}

/**
 * Call-ID = word [ "@" word ] (20.8). Accepted leniently as one run of visible ASCII:
 * whitespace (several values) or control octets are the errors that matter.
 */
export function callIdAt(src: Source, start: number, end: number): string {
  if (start >= end) throw new MessageParseError('empty Call-ID');
  const b = src.b;
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c <= 0x20 || c >= 0x7f) throw new MessageParseError('malformed Call-ID');
  }
  return src.s.slice(start, end);
}

/** Content-Type = m-type SLASH m-subtype *( SEMI m-parameter ) (20.15), kept as text. */
export function contentTypeAt(src: Source, start: number, end: number): string {
  const b = src.b;
  const te = spanOf(b, start, end, TOKEN);
  let i = skipWs(b, te, end);
  if (te === start || i >= end || b[i] !== 0x2f) throw new MessageParseError('malformed Content-Type');
  i = skipWs(b, i + 1, end);
  const se = spanOf(b, i, end, TOKEN);
  if (se === i) throw new MessageParseError('malformed Content-Type');
  if (se < end) {
    const pe = genericParamsAt(src, se, end, null, 'Content-Type');
    if (pe !== end) {
      throw new MessageParseError(
        b[pe] === 0x2c ? 'more than one value in Content-Type' : 'malformed Content-Type',
      );
    }
    return src.text(start, end);
  }
  return src.s.slice(start, end);
}

const METHODS = [
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'OPTIONS',
  'REGISTER',
  'INFO',
  'UPDATE',
  'PRACK',
  'REFER',
  'NOTIFY',
  'SUBSCRIBE',
  'MESSAGE',
];
const METHOD_BYTES = METHODS.map((m) => Buffer.from(m, 'latin1'));

/**
 * The method token at [start, end): the RFC 3261 and common extension methods as shared
 * strings (no allocation, and `===` between them is a pointer compare). Methods are
 * case-sensitive (7.1), so only the exact spelling matches.
 */
export function methodAt(src: Source, start: number, end: number): string {
  const b = src.b;
  const n = end - start;
  const c0 = b[start];
  for (let k = 0; k < METHODS.length; k++) {
    const mb = METHOD_BYTES[k];
    if (mb.length !== n || mb[0] !== c0) continue;
    let j = 1;
    while (j < n && b[start + j] === mb[j]) j++;
    if (j === n) return METHODS[k];
  }
  return src.s.slice(start, end);
}
