/** Categories of Stream failures (`err.code`), never message text. */
export type StreamErrorCode =
  /** A contentType / content_type the spec does not list. */
  | 'BAD_CONTENT_TYPE'
  /** A service URL that is not ws:// or wss://. */
  | 'BAD_URL'
  /** Other settings the spec rules out (bidirectional with a track other than inbound, a timeout <= 0). */
  | 'BAD_REQUEST'
  /** Audio the application sent that cannot be decoded. */
  | 'BAD_MEDIA'
  /** An operation illegal in the session's state. */
  | 'STATE';

export class StreamError extends Error {
  constructor(
    readonly code: StreamErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StreamError';
  }
}
