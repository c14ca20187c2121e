/** Why a webhook request failed; `HTTP_STATUS` carries the status in `WebhookError.status`. */
export type WebhookErrorCode =
  | 'INVALID_URL'
  | 'FORBIDDEN_ADDRESS'
  | 'DNS'
  | 'CONNECT'
  | 'TIMEOUT'
  | 'HTTP_STATUS'
  | 'CONTENT_TYPE'
  | 'TOO_LARGE'
  | 'ABORTED';

/** A webhook request that failed after its last try. `url` never carries the query string. */
export class WebhookError extends Error {
  override readonly name = 'WebhookError';
  readonly code: WebhookErrorCode;
  readonly status?: number;
  readonly url: string;
  attempts: number;

  constructor(
    code: WebhookErrorCode,
    message: string,
    opts: { url: string; status?: number; attempts?: number },
  ) {
    super(message);
    this.code = code;
    this.url = opts.url;
    this.attempts = opts.attempts ?? 0;
    if (opts.status !== undefined) this.status = opts.status;
  }
}

/** A configured allow/deny entry that is not an IPv4 or IPv6 CIDR. */
export class OutboundPolicyError extends Error {
  override readonly name = 'OutboundPolicyError';
  readonly code = 'INVALID_CIDR';
}
