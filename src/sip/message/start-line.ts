import { SipRequest, SipResponse } from './message.ts';
import { MessageParseError } from './parse-error.ts';
import { allOf, isWs, SP, TOKEN } from './scanner.ts';
import { checkUriAt, uriSeen } from './uri-parser.ts';

const LAQUOT = 0x3c;

/** Whether s[start, end) is "SIP/2.0", case-insensitively (RFC 3261 7.1). */
export function isSip20(s: string, start: number, end: number): boolean {
  return (
    end - start === 7 &&
    (s.charCodeAt(start) | 0x20) === 0x73 &&
    (s.charCodeAt(start + 1) | 0x20) === 0x69 &&
    (s.charCodeAt(start + 2) | 0x20) === 0x70 &&
    s.charCodeAt(start + 3) === 0x2f &&
    s.charCodeAt(start + 4) === 0x32 &&
    s.charCodeAt(start + 5) === 0x2e &&
    s.charCodeAt(start + 6) === 0x30
  );
}

/** Whether the text starts like a Status-Line ("SIP/"): a method is a token and has no '/'. */
export function looksLikeResponse(s: string): boolean {
  return (
    s.length >= 4 &&
    (s.charCodeAt(0) | 0x20) === 0x73 &&
    (s.charCodeAt(1) | 0x20) === 0x69 &&
    (s.charCodeAt(2) | 0x20) === 0x70 &&
    s.charCodeAt(3) === 0x2f
  );
}

/**
 * Request-Line = Method SP Request-URI SP SIP-Version (RFC 3261 7.1, 25.1) in s[0, end):
 * exactly one SP between elements, none at the end, no <> and no LWS in the Request-URI
 * (RFC 4475 3.1.2.7-3.1.2.10), no headers in it (19.1.1 table, RFC 4475 3.1.2.11).
 */
export function requestLineAt(s: string, end: number): SipRequest {
  if (end === 0) throw new MessageParseError('empty start line');
  let sp1 = s.indexOf(' ');
  if (sp1 >= end) sp1 = -1;
  if (isWs(s.charCodeAt(0))) throw new MessageParseError('whitespace at start of Request-Line');
  if (sp1 < 0) throw new MessageParseError('malformed Request-Line');
  if (!allOf(s, 0, sp1, TOKEN)) throw new MessageParseError('invalid method in Request-Line');
  if (isWs(s.charCodeAt(end - 1))) throw new MessageParseError('trailing whitespace in Request-Line');
  const sp2 = s.lastIndexOf(' ', end - 1);
  if (sp2 === sp1) throw new MessageParseError('missing SIP-Version in Request-Line');
  if (isWs(s.charCodeAt(sp1 + 1)) || isWs(s.charCodeAt(sp2 - 1))) {
    throw new MessageParseError('more than one SP between Request-Line elements');
  }
  if (!isSip20(s, sp2 + 1, end)) throw versionError(s.slice(sp2 + 1, end));
  if (s.charCodeAt(sp1 + 1) === LAQUOT) throw new MessageParseError('Request-URI enclosed in <>');
  // A tab is caught as an invalid URI character below.
  if (s.indexOf(' ', sp1 + 1) < sp2) throw new MessageParseError('whitespace in Request-URI');
  checkUriAt(s, sp1 + 1, sp2, 'Request-URI');
  if (uriSeen.headers) throw new MessageParseError('escaped headers in Request-URI');
  return SipRequest.fromText(s.slice(0, sp1), s.slice(sp1 + 1, sp2));
}

/** A SIP-Version other than 2.0 is answered 505 (RFC 3261 21.5.6); anything else is a 400. */
function versionError(v: string): MessageParseError {
  if (/^SIP\/\d+\.\d+$/i.test(v)) return new MessageParseError(`${v} not supported`, 505);
  return new MessageParseError('malformed SIP-Version in Request-Line');
}

/** Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (RFC 3261 7.2), code 100..699. */
export function statusLineAt(s: string, end: number): SipResponse {
  if (end < 8 || s.charCodeAt(7) !== SP || !isSip20(s, 0, 7)) {
    throw new MessageParseError('malformed SIP-Version in Status-Line');
  }
  let ce = 8;
  while (ce < end && s.charCodeAt(ce) >= 0x30 && s.charCodeAt(ce) <= 0x39) ce++;
  if (ce === 8 || (ce < end && s.charCodeAt(ce) !== SP)) throw new MessageParseError('malformed status code');
  const n = ce - 8;
  const code =
    n === 3 ? (s.charCodeAt(8) - 0x30) * 100 + (s.charCodeAt(9) - 0x30) * 10 + s.charCodeAt(10) - 0x30 : 0;
  if (code < 100 || code > 699) throw new MessageParseError('status code out of range');
  // The reason phrase may be empty (RFC 4475 3.1.1.13) and hold any UTF-8 (3.1.1.12).
  return new SipResponse(code, ce < end ? s.slice(ce + 1, end) : '');
}
