/**
 * What a webhook response means: success, or a WebhookError with the retry class of the
 * failure (spec rest-api 5.1: documents are 2xx `application/xml` / `text/xml`; any 2xx
 * acknowledges a notification). Redirects (3xx) are not followed: they fail as HTTP_STATUS.
 */
import { WebhookError } from './errors.ts';
import type { ExchangeResult } from './http-request.ts';
import { type RetryCondition, statusCondition } from './retry-policy.ts';

export type WebhookKind = 'document' | 'notify';

/** `application/xml` or `text/xml`, parameters (charset) allowed. */
export function isXmlContentType(contentType: string): boolean {
  return /^(application|text)\/xml\s*(;|$)/i.test(contentType.trim());
}

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

export type Verdict =
  | { ok: true; status: number; contentType: string; body: Buffer }
  | { ok: false; error: WebhookError; condition?: RetryCondition };

/** Turns one exchange into success or a WebhookError with its retry class. */
export function judgeResponse(
  res: ExchangeResult,
  kind: WebhookKind,
  url: string,
  attempts: number,
): Verdict {
  if (!res.ok) {
    const error = new WebhookError(res.code, res.message, { url, status: res.status, attempts });
    return { ok: false, error, condition: res.condition };
  }
  if (!isSuccess(res.status)) {
    const error = new WebhookError('HTTP_STATUS', `HTTP ${res.status}`, {
      url,
      status: res.status,
      attempts,
    });
    return { ok: false, error, condition: statusCondition(res.status) };
  }
  if (kind === 'document' && !isXmlContentType(res.contentType)) {
    const type = res.contentType || 'none';
    const error = new WebhookError(
      'CONTENT_TYPE',
      `Content-Type ${type} is not application/xml or text/xml`,
      {
        url,
        status: res.status,
        attempts,
      },
    );
    return { ok: false, error };
  }
  return res;
}

/** The document text, decoded per its charset (UTF-8 when absent or unknown). */
export function decodeDocument(body: Buffer, contentType: string): string {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1] ?? 'utf-8';
  try {
    return new TextDecoder(charset).decode(body);
  } catch {
    return new TextDecoder('utf-8').decode(body);
  }
}

/** The URL for logs and errors: no credentials, query or fragment. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return raw.replace(/[?#].*$/s, '');
  }
}
