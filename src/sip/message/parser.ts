import { fieldsResult, lineEnd, type ParseLimits, readHeaderFields } from './header-fields.ts';
import { Kind } from './header-table.ts';
import type { SipRequest, SipResponse } from './message.ts';
import { MessageParseError, messageTooLarge } from './parse-error.ts';
import { recoverPartial } from './partial.ts';
import { Source } from './source.ts';
import { looksLikeResponse, requestLineAt, statusLineAt } from './start-line.ts';

export { parseNameAddr, parseNameAddrList } from './name-addr-parser.ts';
export { headerParams, parseParams } from './params-parser.ts';
export { parseCSeq } from './scalar-parsers.ts';
export { parseUri } from './uri-parser.ts';
export { parseVia } from './via-parser.ts';
export type { ParseLimits };
export { MessageParseError };

export const DEFAULT_LIMITS: Readonly<ParseLimits> = Object.freeze({
  maxMessageBytes: 65535,
  maxHeaders: 256,
  maxLineLength: 8192,
});

export interface ParseOptions {
  /**
   * UDP framing (RFC 3261 18.3), the default: a missing Content-Length means the body runs
   * to the end of the datagram, octets after Content-Length are ignored, and a
   * Content-Length beyond the datagram is an error. When false the buffer is one message
   * framed from a stream, and Content-Length is mandatory (20.14).
   */
  datagram?: boolean;
  limits?: Partial<ParseLimits>;
}

const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
/** Up to this size a message is read in one go, body included. */
const ONE_PASS_BYTES = 4096;

/**
 * Parses one SIP message. The header section is read once and scanned line by line on its
 * octets (source.ts; values are UTF-8, RFC 3261 7.3.1). Every header the stack needs (Via,
 * From, To, Call-ID, CSeq, Max-Forwards, Contact, Route, Record-Route, Content-Length,
 * Content-Type) is checked at once; the objects of Via, From, To, Contact, Route and
 * Record-Route, the raw values of the other headers, and the body (a view of `data`, not
 * copied, not decoded) are made when first read. Do not reuse `data` while the message lives.
 *
 * Throws MessageParseError: `status` to answer (400, 505, 413, 513), `message` a reason
 * phrase naming the defect, `isResponse`, and `partial` when a response can be built.
 */
export function parseMessage(data: Buffer, opts?: ParseOptions): SipRequest | SipResponse {
  const limits = opts?.limits === undefined ? DEFAULT_LIMITS : { ...DEFAULT_LIMITS, ...opts.limits };
  const datagram = opts?.datagram ?? true;
  const len = data.length;
  // RFC 3261 7.5: CRLFs before the start line are ignored.
  let start = 0;
  while (start + 1 < len && data[start] === 0x0d && data[start + 1] === 0x0a) start += 2;

  // The text from offset 0 up to the empty line (or further), read as Latin-1: one character
  // per octet, so that the scanners' indexes into `data` are indexes into it (source.ts).
  // That is cheaper than UTF-8 decoding; the values that may hold UTF-8 are decoded one by
  // one. A small message is read whole, body included, rather than searched first.
  const scanLen = Math.min(len, limits.maxMessageBytes + start);
  let headEnd = scanLen;
  if (scanLen > ONE_PASS_BYTES) {
    const at = data.indexOf(CRLFCRLF, start);
    if (at >= 0 && at < scanLen) headEnd = at + 4;
  }
  const text = latin1(data, headEnd);
  const src = new Source(data, text, false);

  const isResponse = looksLikeResponse(data, start);
  try {
    if (len > limits.maxMessageBytes) throw messageTooLarge(len, limits.maxMessageBytes);
    const eol = lineEnd(src, start, limits.maxLineLength);
    const msg = isResponse ? statusLineAt(src, start, eol) : requestLineAt(src, start, eol);
    const contentLength = eol < text.length ? readHeaderFields(src, eol + 2, msg, limits) : -1;
    if (eol >= text.length || fieldsResult.end < 0) {
      throw new MessageParseError('missing empty line after the header fields');
    }
    const bodyStart = fieldsResult.end;
    checkRequired(msg, fieldsResult.seen);
    if (msg.isRequest() && msg.cseq.method !== msg.method) {
      // RFC 4475 3.1.2.17 / 3.1.2.18
      throw new MessageParseError('CSeq method does not match the Request-Line');
    }
    const rest = len - bodyStart;
    let bodyLen: number;
    if (contentLength < 0) {
      // 18.3: a datagram without Content-Length carries its body to the end; a stream cannot.
      if (!datagram) throw new MessageParseError('missing Content-Length');
      bodyLen = rest;
    } else if (contentLength > rest) {
      // RFC 4475 3.1.2.2: on UDP this is an error, never a wait for more.
      throw new MessageParseError('Content-Length larger than the message');
    } else {
      // RFC 4475 3.1.1.8: extra octets after the body are ignored.
      bodyLen = contentLength;
    }
    // The view of the body is made when first read (message.ts).
    if (bodyLen > 0) msg._attachBody(bodyStart, bodyStart + bodyLen);
    return msg;
  } catch (err) {
    if (!(err instanceof MessageParseError)) throw err;
    throw new MessageParseError(err.defect, err.status, {
      isResponse,
      partial: isResponse ? undefined : recoverPartial(data.toString('utf8', start, headEnd)),
      offset: err.offset,
    });
  }
}

/** Node's Latin-1 decoder of a Buffer, which toString('latin1') calls after checking its arguments. */
interface Latin1Slicer {
  latin1Slice(start: number, end: number): string;
}
const HAS_LATIN1_SLICE =
  typeof (Buffer.prototype as unknown as Partial<Latin1Slicer>).latin1Slice === 'function';

/** data[0, end) read as Latin-1. */
function latin1(data: Buffer, end: number): string {
  if (HAS_LATIN1_SLICE) return (data as unknown as Latin1Slicer).latin1Slice(0, end);
  return data.toString('latin1', 0, end);
}

const REQUIRED = (1 << Kind.Via) | (1 << Kind.From) | (1 << Kind.To);

/** RFC 3261 8.1.1: To, From, CSeq, Call-ID and Via are in every request (and response). */
function checkRequired(msg: SipRequest | SipResponse, seen: number): void {
  if ((seen & REQUIRED) === REQUIRED && msg.callId !== undefined && msg.cseq) return;
  const missing: string[] = [];
  if ((seen & (1 << Kind.Via)) === 0) missing.push('Via');
  if ((seen & (1 << Kind.From)) === 0) missing.push('From');
  if ((seen & (1 << Kind.To)) === 0) missing.push('To');
  if (msg.callId === undefined) missing.push('Call-ID');
  if (!msg.cseq) missing.push('CSeq');
  throw new MessageParseError(`missing ${missing.join(', ')}`);
}
