import { headerInfo } from './header-table.ts';
import type { SipMessage } from './message.ts';
import { NameAddr } from './name-addr.ts';
import { nameAddrListAt, singleNameAddrAt } from './name-addr-parser.ts';
import { MessageParseError } from './parse-error.ts';
import {
  callIdAt,
  contentLengthAt,
  contentTypeAt,
  cseqAt,
  deltaSecondsAt,
  maxForwardsAt,
  sipDateAt,
} from './scalar-parsers.ts';
import { HT, SP, skipWs, trimEnd } from './scanner.ts';
import { Uri } from './uri.ts';
import { viaListAt } from './via-parser.ts';

/** Size limits checked while parsing (each exceeded one is a 513 naming it). */
export interface ParseLimits {
  /** The whole message, start line to the end of the body. */
  maxMessageBytes: number;
  /** Header fields (a folded field counts once). */
  maxHeaders: number;
  /** One line, start line included, in bytes (characters once decoded). */
  maxLineLength: number;
}

const WILDCARD_URI = new Uri({ scheme: 'sip' });

/** Where the last readHeaderFields() call found the body: the index after the empty line, or -1. */
export const fieldsEnd = { at: -1 };

/**
 * Reads the header fields of `head` from `pos` (the first field line) up to the empty line
 * into `msg`: typed fields for the headers the stack needs, raw text in received order for
 * the rest. Folded lines (RFC 3261 7.3.1) become one value with a single SP. Returns the
 * Content-Length, or -1 when there is none; `fieldsEnd.at` tells where the body starts.
 *
 * Lines end in CRLF; a LF alone is an error. A CR alone cannot pass the typed parsers, and
 * toBuffer() never writes one from a raw value, so no value can smuggle a header line into
 * a message that copies it.
 */
export function readHeaderFields(head: string, pos: number, msg: SipMessage, limits: ParseLimits): number {
  const len = head.length;
  const maxLine = limits.maxLineLength;
  const maxHeaders = limits.maxHeaders;
  const headers = msg.headers;
  let contentLength = -1;
  let count = 0;
  fieldsEnd.at = -1;
  while (pos < len) {
    let eol = lineEnd(head, pos, maxLine);
    if (eol === pos) {
      fieldsEnd.at = pos + 2;
      return contentLength;
    }
    const c0 = head.charCodeAt(pos);
    if (c0 === SP || c0 === HT) throw new MessageParseError('whitespace before the first header field');
    const colon = head.indexOf(':', pos);
    if (colon < 0 || colon >= eol) throw new MessageParseError('header field without colon');
    let next = eol + 2;
    let folded = false;
    while (next < len) {
      const c = head.charCodeAt(next);
      if (c !== SP && c !== HT) break;
      eol = lineEnd(head, next, maxLine);
      next = eol + 2;
      folded = true;
    }
    if (++count > maxHeaders) throw new MessageParseError(`more than ${maxHeaders} header fields`, 513);
    const ne = trimEnd(head, pos, colon);
    if (ne === pos) throw new MessageParseError('empty header field name');
    const info = headerInfo(head.slice(pos, ne));
    let s = head;
    let vs = skipWs(head, colon + 1, eol);
    let ve = trimEnd(head, vs, eol);
    if (folded) {
      s = head.slice(vs, ve).replace(/[ \t]*\r\n[ \t]+/g, ' ');
      vs = skipWs(s, 0, s.length);
      ve = trimEnd(s, vs, s.length);
    }
    // Literal cases (Kind in header-table.ts) so that the switch is a jump table.
    switch (info.kind) {
      case 1: // Via
        viaListAt(s, vs, ve, msg.via);
        headers.push(info.marker);
        break;
      case 2: // From
        if (msg.from !== undefined) throw new MessageParseError('more than one From header');
        msg.from = singleNameAddrAt(s, vs, ve, 'From');
        headers.push(info.marker);
        break;
      case 3: // To
        if (msg.to !== undefined) throw new MessageParseError('more than one To header');
        msg.to = singleNameAddrAt(s, vs, ve, 'To');
        headers.push(info.marker);
        break;
      case 4: // Call-ID
        if (msg.callId !== undefined) throw new MessageParseError('more than one Call-ID header');
        msg.callId = callIdAt(s, vs, ve);
        headers.push(info.marker);
        break;
      case 5: // CSeq
        if (msg.cseq !== undefined) throw new MessageParseError('more than one CSeq header');
        msg.cseq = cseqAt(s, vs, ve);
        headers.push(info.marker);
        break;
      case 6: // Max-Forwards
        if (msg.maxForwards !== undefined) throw new MessageParseError('more than one Max-Forwards header');
        msg.maxForwards = maxForwardsAt(s, vs, ve);
        headers.push(info.marker);
        break;
      case 7: // Contact
        contact(s, vs, ve, msg.contact);
        headers.push(info.marker);
        break;
      case 8: // Route
        nameAddrListAt(s, vs, ve, 'Route', msg.route);
        headers.push(info.marker);
        break;
      case 9: // Record-Route
        nameAddrListAt(s, vs, ve, 'Record-Route', msg.recordRoute);
        headers.push(info.marker);
        break;
      case 10: // Content-Length
        // RFC 4475 3.3.9: several Content-Length values cannot be told apart.
        if (contentLength >= 0) throw new MessageParseError('more than one Content-Length header');
        contentLength = contentLengthAt(s, vs, ve, limits.maxMessageBytes);
        headers.push(info.marker);
        break;
      case 11: // Content-Type
        if (msg.contentType !== undefined) throw new MessageParseError('more than one Content-Type header');
        msg.contentType = contentTypeAt(s, vs, ve);
        headers.push(info.marker);
        break;
      case 12: // Expires
        deltaSecondsAt(s, vs, ve, 'Expires');
        headers.push({ name: info.canon, value: s.slice(vs, ve) });
        break;
      case 13: // Date
        sipDateAt(s, vs, ve);
        headers.push({ name: info.canon, value: s.slice(vs, ve) });
        break;
      default:
        headers.push({ name: info.canon, value: s.slice(vs, ve) });
    }
    pos = next;
  }
  return contentLength;
}

/**
 * End of the line that starts at `pos`: the index of its CRLF, or the end of `head` for a
 * last line without one. A LF without CR is an error (RFC 3261 7.3.1).
 */
export function lineEnd(head: string, pos: number, maxLine: number): number {
  const lf = head.indexOf('\n', pos);
  let eol: number;
  if (lf < 0) eol = head.length;
  else if (lf > pos && head.charCodeAt(lf - 1) === 0x0d) eol = lf - 1;
  else throw new MessageParseError('bare LF in header section');
  if (eol - pos > maxLine) throw new MessageParseError(`line longer than ${maxLine} bytes`, 513);
  return eol;
}

/** Contact: `*` alone (10.2.2), or name-addr / addr-spec values; expires must be delta-seconds. */
function contact(s: string, vs: number, ve: number, out: NameAddr[]): void {
  if (ve - vs === 1 && s.charCodeAt(vs) === 0x2a) {
    if (out.length > 0) throw new MessageParseError('wildcard Contact with other Contact values');
    out.push(new NameAddr(WILDCARD_URI.clone(), { wildcard: true }));
    return;
  }
  if (out.length > 0 && out[0].wildcard)
    throw new MessageParseError('wildcard Contact with other Contact values');
  const first = out.length;
  nameAddrListAt(s, vs, ve, 'Contact', out);
  for (let i = first; i < out.length; i++) {
    const exp = out[i].params.get('expires');
    if (exp !== undefined && exp !== null) deltaSecondsAt(exp, 0, exp.length, 'Contact expires');
  }
}
