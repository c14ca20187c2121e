import { SipRequest, SipResponse } from './message.ts';
import { MessageParseError } from './parse-error.ts';
import { methodAt } from './scalar-parsers.ts';
import { isWs, SP, spanOf, TOKEN } from './scanner.ts';
import type { Source } from './source.ts';
import { checkUriAt, uriSeen } from './uri-parser.ts';

const LAQUOT = 0x3c;

/** Whether b[start, end) is "SIP/2.0", case-insensitively (RFC 3261 7.1). */
export function isSip20(b: Buffer, start: number, end: number): boolean {
  return (
    end - start === 7 &&
    isSip(b, start) &&
    b[start + 3] === 0x2f &&
    b[start + 4] === 0x32 &&
    b[start + 5] === 0x2e &&
    b[start + 6] === 0x30
  );
}

/** "SIP" in any case at b[i] (`& 0xdf` leaves only the two cases of each letter equal). */
function isSip(b: Buffer, i: number): boolean {
  return (b[i] & 0xdf) === 0x53 && (b[i + 1] & 0xdf) === 0x49 && (b[i + 2] & 0xdf) === 0x50;
}

/** Whether the text at `start` starts like a Status-Line ("SIP/"): a method is a token and has no '/'. */
export function looksLikeResponse(b: Buffer, start: number): boolean {
  return start + 4 <= b.length && isSip(b, start) && b[start + 3] === 0x2f;
}

/**
 * Request-Line = Method SP Request-URI SP SIP-Version (RFC 3261 7.1, 25.1) at [start, end):
 * exactly one SP between elements, none at the end, no <> and no LWS in the Request-URI
 * (RFC 4475 3.1.2.7-3.1.2.10), no headers in it (19.1.1 table, RFC 4475 3.1.2.11).
 */
export function requestLineAt(src: Source, start: number, end: number): SipRequest {
  const b = src.b;
  if (end === start) throw new MessageParseError('empty start line');
  if (isWs(b[start])) throw new MessageParseError('whitespace at start of Request-Line');
  const sp1 = spanOf(b, start, end, TOKEN);
  if (sp1 >= end) throw new MessageParseError('malformed Request-Line');
  if (b[sp1] !== SP) {
    let k = sp1;
    while (k < end && b[k] !== SP) k++;
    throw new MessageParseError(k < end ? 'invalid method in Request-Line' : 'malformed Request-Line');
  }
  if (sp1 === start) throw new MessageParseError('invalid method in Request-Line');
  if (isWs(b[end - 1])) throw new MessageParseError('trailing whitespace in Request-Line');
  // Usually the line ends in " SIP/2.0"; else the last SP ends the Request-URI.
  let sp2 = end - 8;
  if (sp2 <= sp1 || b[sp2] !== SP || !isSip20(b, sp2 + 1, end)) {
    sp2 = end - 1;
    while (sp2 > sp1 && b[sp2] !== SP) sp2--;
  }
  if (sp2 === sp1) throw new MessageParseError('missing SIP-Version in Request-Line');
  if (isWs(b[sp1 + 1]) || isWs(b[sp2 - 1])) {
    throw new MessageParseError('more than one SP between Request-Line elements');
  }
  if (!isSip20(b, sp2 + 1, end)) throw versionError(src.s.slice(sp2 + 1, end));
  if (b[sp1 + 1] === LAQUOT) throw new MessageParseError('Request-URI enclosed in <>');
  checkRequestUri(src, sp1 + 1, sp2);
  return SipRequest.fromSource(methodAt(src, start, sp1), src, sp1 + 1, sp2);
}

/** The Request-URI at [start, end) by the scanner, which names the defect. */
function checkRequestUri(src: Source, start: number, end: number): void {
  try {
    checkUriAt(src, start, end, 'Request-URI');
  } catch (err) {
    // No URI holds a SP, so this names the defect better. A tab is an invalid character.
    for (let k = start; k < end; k++) {
      if (src.b[k] === SP) throw new MessageParseError('whitespace in Request-URI');
    }
    throw err;
  }
  if (uriSeen.headers) throw new MessageParseError('escaped headers in Request-URI');
}

/** A SIP-Version other than 2.0 is answered 505 (RFC 3261 21.5.6); anything else is a 400. */
function versionError(v: string): MessageParseError {
  if (/^SIP\/\d+\.\d+$/i.test(v)) return new MessageParseError(`${v} not supported`, 505);
  return new MessageParseError('malformed SIP-Version in Request-Line');
}

/** Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (RFC 3261 7.2), code 100..699. */
export function statusLineAt(src: Source, start: number, end: number): SipResponse {
  const b = src.b;
  if (end - start < 8 || b[start + 7] !== SP || !isSip20(b, start, start + 7)) {
    throw new MessageParseError('malformed SIP-Version in Status-Line');
  }
  const cs = start + 8;
  let ce = cs;
  while (ce < end && b[ce] >= 0x30 && b[ce] <= 0x39) ce++;
  if (ce === cs || (ce < end && b[ce] !== SP)) throw new MessageParseError('malformed status code');
  const code = ce - cs === 3 ? (b[cs] - 0x30) * 100 + (b[cs + 1] - 0x30) * 10 + b[cs + 2] - 0x30 : 0;
  if (code < 100 || code > 699) throw new MessageParseError('status code out of range');
  // The reason phrase may be empty (RFC 4475 3.1.1.13) and hold any UTF-8 (3.1.1.12).
  return new SipResponse(code, ce < end ? src.text(ce + 1, end) : '');
}
