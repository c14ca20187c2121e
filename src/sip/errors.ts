/** Categories that callers test for (`err.code`), never message text. */
export type SipErrorCode =
  | 'PARSE' // a message that is not valid SIP
  | 'TOO_LARGE' // size limits exceeded
  | 'TRANSPORT' // a socket could not send or connect
  | 'TIMEOUT' // a transaction timer (B, F, H) fired
  | 'TERMINATED' // the transaction or dialog is gone
  | 'REJECTED' // a final non-2xx response
  | 'CANCELLED' // the request was cancelled
  | 'STATE'; // an operation illegal in the current state

export class SipError extends Error {
  readonly code: SipErrorCode;
  /** A SIP status to answer with, or the status that ended a request. */
  readonly status?: number;

  constructor(code: SipErrorCode, message: string, status?: number) {
    super(message);
    this.name = 'SipError';
    this.code = code;
    this.status = status;
  }
}

/**
 * A message that could not be parsed. `status` is what a server answers when it can still
 * build a response (400, 505, 413 ...); `response` is false when it cannot and the message
 * must be dropped and counted instead.
 */
export class ParseError extends SipError {
  constructor(
    message: string,
    status = 400,
    /** Offset into the message where the defect was found, when known. */
    readonly offset?: number,
  ) {
    super(status === 413 || status === 513 ? 'TOO_LARGE' : 'PARSE', message, status);
    this.name = 'ParseError';
  }
}
