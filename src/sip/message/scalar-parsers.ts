import type { CSeq } from './message.ts';
import { genericParamsAt } from './params-parser.ts';
import { MessageParseError } from './parse-error.ts';
import { digits, skipWs, spanOf, TOKEN, trimEnd } from './scanner.ts';

/** RFC 3261 8.1.1.5: the CSeq number is less than 2^31. */
export const MAX_CSEQ = 2 ** 31 - 1;
/** RFC 3261 25.1 delta-seconds (Expires, Contact expires): up to 2^32-1 (20.19). */
const MAX_DELTA_SECONDS = 2 ** 32 - 1;

/** Index of the end of the 1*DIGIT run starting at i. */
function digitRun(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    i++;
  }
  return i;
}

/** CSeq = 1*DIGIT LWS Method (20.16). */
export function cseqAt(s: string, start: number, end: number): CSeq {
  const de = digitRun(s, start, end);
  const seq = digits(s, start, de, MAX_CSEQ);
  if (seq === -2) throw new MessageParseError('CSeq number out of range');
  const ms = skipWs(s, de, end);
  if (seq < 0 || ms === de) throw new MessageParseError('malformed CSeq');
  const me = spanOf(s, ms, end, TOKEN);
  if (me === ms || me !== end) throw new MessageParseError('malformed CSeq method');
  return { seq, method: s.slice(ms, me) };
}

/** Parses a CSeq header value such as `314159 INVITE`. */
export function parseCSeq(s: string): CSeq {
  const start = skipWs(s, 0, s.length);
  return cseqAt(s, start, trimEnd(s, start, s.length));
}

/** Max-Forwards = 1*DIGIT, 0..255 (20.22). */
export function maxForwardsAt(s: string, start: number, end: number): number {
  const n = digits(s, start, end, 255);
  if (n === -2) throw new MessageParseError('Max-Forwards out of range');
  if (n < 0) throw new MessageParseError('malformed Max-Forwards');
  return n;
}

/** Content-Length = 1*DIGIT (20.14); `max` bounds it before any arithmetic. */
export function contentLengthAt(s: string, start: number, end: number, max: number): number {
  if (start < end && s.charCodeAt(start) === 0x2d) throw new MessageParseError('negative Content-Length');
  const n = digits(s, start, end, max);
  if (n === -2) throw new MessageParseError(`Content-Length over ${max}`, 413);
  if (n < 0) throw new MessageParseError('malformed Content-Length');
  return n;
}

/** delta-seconds of an Expires header or a Contact expires parameter (20.19, 20.10). */
export function deltaSecondsAt(s: string, start: number, end: number, what: string): number {
  const n = digits(s, start, end, MAX_DELTA_SECONDS);
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
export function sipDateAt(s: string, start: number, end: number): void {
  const m = SIP_DATE.exec(s.slice(start, end));
  if (!m) throw new MessageParseError('malformed Date');
  if (m[1] !== 'GMT') throw new MessageParseError('time zone in Date is not GMT');
}

/**
 * Call-ID = word [ "@" word ] (20.8). Accepted leniently as one run of visible ASCII:
 * whitespace (several values) or control octets are the errors that matter.
 */
export function callIdAt(s: string, start: number, end: number): string {
  if (start >= end) throw new MessageParseError('empty Call-ID');
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) throw new MessageParseError('malformed Call-ID');
  }
  return s.slice(start, end);
}

/** Content-Type = m-type SLASH m-subtype *( SEMI m-parameter ) (20.15), kept as text. */
export function contentTypeAt(s: string, start: number, end: number): string {
  const te = spanOf(s, start, end, TOKEN);
  let i = skipWs(s, te, end);
  if (te === start || i >= end || s.charCodeAt(i) !== 0x2f)
    throw new MessageParseError('malformed Content-Type');
  i = skipWs(s, i + 1, end);
  const se = spanOf(s, i, end, TOKEN);
  if (se === i) throw new MessageParseError('malformed Content-Type');
  if (se < end) {
    const pe = genericParamsAt(s, se, end, new Map(), 'Content-Type');
    if (pe !== end) {
      throw new MessageParseError(
        s.charCodeAt(pe) === 0x2c ? 'more than one value in Content-Type' : 'malformed Content-Type',
      );
    }
  }
  return s.slice(start, end);
}
