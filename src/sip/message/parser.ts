import { fieldsEnd, lineEnd, type ParseLimits, readHeaderFields } from './header-fields.ts';
import type { SipRequest, SipResponse } from './message.ts';
import { MessageParseError } from './parse-error.ts';
import { recoverPartial } from './partial.ts';
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
const EMPTY = Buffer.alloc(0);
/** Up to this size an ASCII message is decoded in one go, body included. */
const ONE_PASS_BYTES = 4096;

/**
 * Parses one SIP message. The header section is decoded once (UTF-8, RFC 3261 7.3.1) and
 * scanned line by line; Via, From, To, Call-ID, CSeq, Max-Forwards, Contact, Route,
 * Record-Route, Content-Length and Content-Type are parsed into typed fields, the rest stays
 * raw in `headers`. The body is a view of `data` (not copied, not decoded): do not reuse
 * the buffer while the message lives.
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

  // The text that holds the header section from offset 0, up to its empty line (or the end
  // when there is none). Small ASCII messages are decoded in one go, body included, and
  // characters are bytes; anything else decodes the header section alone.
  let head: string;
  let byteBase = -1;
  let bodyStart = len;
  const scanLen = Math.min(len, limits.maxMessageBytes + start);
  const whole = scanLen - start <= ONE_PASS_BYTES ? data.toString('utf8', start, scanLen) : '';
  if (whole.length === scanLen - start && whole.length > 0) {
    head = whole;
    byteBase = start;
  } else {
    const at = data.indexOf(CRLFCRLF, start);
    const headEnd = at >= 0 && at < scanLen ? at + 4 : scanLen;
    if (at >= 0 && at < scanLen) bodyStart = at + 4;
    head = data.toString('utf8', start, headEnd);
  }

  const isResponse = looksLikeResponse(head);
  try {
    if (len > limits.maxMessageBytes) {
      throw new MessageParseError(`message of ${len} bytes over ${limits.maxMessageBytes}`, 513);
    }
    const eol = lineEnd(head, 0, limits.maxLineLength);
    const msg = isResponse ? statusLineAt(head, eol) : requestLineAt(head, eol);
    const contentLength = eol < head.length ? readHeaderFields(head, eol + 2, msg, limits) : -1;
    if (eol >= head.length || fieldsEnd.at < 0) {
      throw new MessageParseError('missing empty line after the header fields');
    }
    if (byteBase >= 0) bodyStart = byteBase + fieldsEnd.at;
    checkRequired(msg);
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
    msg.body = bodyLen > 0 ? data.subarray(bodyStart, bodyStart + bodyLen) : EMPTY;
    return msg;
  } catch (err) {
    if (!(err instanceof MessageParseError)) throw err;
    throw new MessageParseError(err.defect, err.status, {
      isResponse,
      partial: isResponse ? undefined : recoverPartial(head),
      offset: err.offset,
    });
  }
}

/** RFC 3261 8.1.1: To, From, CSeq, Call-ID and Via are in every request (and response). */
function checkRequired(msg: SipRequest | SipResponse): void {
  if (msg.via.length > 0 && msg.from && msg.to && msg.callId !== undefined && msg.cseq) return;
  const missing: string[] = [];
  if (msg.via.length === 0) missing.push('Via');
  if (!msg.from) missing.push('From');
  if (!msg.to) missing.push('To');
  if (msg.callId === undefined) missing.push('Call-ID');
  if (!msg.cseq) missing.push('CSeq');
  throw new MessageParseError(`missing ${missing.join(', ')}`);
}
