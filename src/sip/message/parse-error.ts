import { ParseError } from '../errors.ts';
import type { SipRequest } from './message.ts';
import { reasonPhrase } from './reason.ts';

const MAX_DEFECT = 120;

/**
 * A message (or a header value given to a lazy parser) that is not valid SIP. `message` is
 * fit to be the reason phrase of the answer: `${reasonPhrase(status)} - ${defect}`, ASCII
 * without CR/LF. A server answers `status` when the defective message is a request and
 * `partial` holds enough of it (Via, From, To, Call-ID, CSeq) to build a response; a
 * defective response (`isResponse`) is only dropped and counted (RFC 3261 18.1.2, 18.2.1).
 */
export class MessageParseError extends ParseError {
  declare readonly status: number;
  /** What is wrong, short, e.g. "negative Content-Length". */
  readonly defect: string;
  readonly isResponse: boolean;
  /** The request as far as it could be parsed, present when a response can be built. */
  readonly partial?: SipRequest;

  constructor(
    defect: string,
    status = 400,
    opts: { isResponse?: boolean; partial?: SipRequest; offset?: number } = {},
  ) {
    const clean = sanitize(defect);
    super(`${reasonPhrase(status)} - ${clean}`, status, opts.offset);
    this.name = 'MessageParseError';
    this.defect = clean;
    this.isResponse = opts.isResponse ?? false;
    this.partial = opts.partial;
  }

  /** The reason phrase to answer with (same as `message`). */
  get reason(): string {
    return this.message;
  }
}

/** Printable ASCII only, bounded: a defect may quote bytes of the peer's message. */
function sanitize(s: string): string {
  let out = '';
  const n = Math.min(s.length, MAX_DEFECT);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    out += c >= 0x20 && c < 0x7f ? s[i] : '?';
  }
  return s.length > MAX_DEFECT ? `${out}...` : out;
}

// Defects that quote a number. Kept out of line on purpose: TurboFan may hoist the number's
// conversion out of a cold throw in a hot loop and run it on every pass (seen in the
// header loop, twice per line).

export function lineTooLong(max: number): MessageParseError {
  return new MessageParseError(`line longer than ${max} bytes`, 513);
}

export function tooManyHeaders(max: number): MessageParseError {
  return new MessageParseError(`more than ${max} header fields`, 513);
}

export function messageTooLarge(len: number, max: number): MessageParseError {
  return new MessageParseError(`message of ${len} bytes over ${max}`, 513);
}

export function contentLengthOver(max: number): MessageParseError {
  return new MessageParseError(`Content-Length over ${max}`, 413);
}
