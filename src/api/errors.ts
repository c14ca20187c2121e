import type { z } from 'zod';
import { CallControlError } from '../callflow/call-control.ts';
import { CallLimitError } from '../callflow/call-limits.ts';
import { StoreError } from '../store/types.ts';

/**
 * The REST API's error bodies, all in one place. Vobiz documents several shapes (spec 1.6);
 * we emit the flat voice-API one, `{ api_id, error, message? }` (spec 1.6.2: "Stream not
 * found", "Recording not found"), and for validation failures add the `details` map of the
 * applications style (1.6.3), `{ field: message }`, so a 400 always names the field.
 */
export type ApiErrorCode =
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'VALIDATION'
  | 'MALFORMED_BODY'
  | 'TOO_LARGE'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'CONFLICT'
  | 'BUSY'
  | 'NOT_IMPLEMENTED'
  | 'UNAVAILABLE'
  | 'OTHER_NODE'
  | 'INTERNAL';

export interface ErrorBody {
  api_id: string;
  error: string;
  message?: string;
  [extra: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    /** The body's `error` text. */
    readonly error: string,
    message?: string,
    /** More body keys (details, app_id, node_id, ...). */
    readonly extra: Record<string, unknown> = {},
    /** Response headers (Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message ?? error);
    this.name = 'ApiError';
  }

  body(apiId: string): ErrorBody {
    const body: ErrorBody = { api_id: apiId, error: this.error };
    if (this.message !== this.error) body.message = this.message;
    return { ...body, ...this.extra };
  }
}

export const unauthorized = (message: string) =>
  new ApiError(401, 'UNAUTHORIZED', 'invalid credentials', message);

export const forbidden = (message: string) => new ApiError(403, 'FORBIDDEN', 'forbidden', message);

/** `what` as the spec capitalises it in its 404 bodies: "Stream not found", "Recording not found". */
export const notFound = (what: string, extra: Record<string, unknown> = {}) =>
  new ApiError(404, 'NOT_FOUND', `${what} not found`, undefined, extra);

/** A path that no route serves (the catch-all under /api/v1). */
export const routeNotFound = (method: string, path: string) =>
  new ApiError(404, 'NOT_FOUND', 'not found', `no route for ${method} ${path}`);

export const methodNotAllowed = (method: string, allow: string[]) =>
  new ApiError(
    405,
    'METHOD_NOT_ALLOWED',
    'method not allowed',
    `${method} is not allowed here; allowed: ${allow.join(', ')}`,
  );

/** A 400 naming the fields: `{ error: "invalid request parameters", message, details }`. */
export function invalidParameters(details: Record<string, string>): ApiError {
  const message = Object.entries(details)
    .map(([field, msg]) => `${field}: ${msg}`)
    .join('; ');
  return new ApiError(400, 'VALIDATION', 'invalid request parameters', message, { details });
}

/** The first message per field of a zod error; a top-level issue is reported as `body`. */
export function fieldIssues(err: z.ZodError, where: 'body' | 'query'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of err.issues) {
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : where;
    out[field] ??= issue.message;
  }
  return out;
}

function hasStatus(e: unknown): e is { status: number; type?: string; message: string } {
  return typeof e === 'object' && e !== null && typeof (e as { status?: unknown }).status === 'number';
}

/** Any thrown value as the ApiError the client sees. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof CallLimitError) {
    // rest-api 1.8: details.limitType, limit, current, retryAfter, and a Retry-After header;
    // an overloaded server is 503, not the account's limit.
    const r = err.refusal;
    const overload = r.limitType === 'overload';
    return new ApiError(
      overload ? 503 : 429,
      overload ? 'UNAVAILABLE' : 'BUSY',
      overload ? 'service unavailable' : 'too many requests',
      err.message,
      { details: { limitType: r.limitType, limit: r.limit, current: r.current, retryAfter: r.retryAfter } },
      { 'Retry-After': String(r.retryAfter) },
    );
  }
  if (err instanceof CallControlError) {
    switch (err.code) {
      case 'BAD_REQUEST':
        return new ApiError(400, 'VALIDATION', 'invalid request', err.message);
      case 'BUSY':
        return new ApiError(429, 'BUSY', 'too many requests', err.message);
      case 'NOT_IMPLEMENTED':
        return new ApiError(501, 'NOT_IMPLEMENTED', 'not implemented', err.message);
      case 'UNAVAILABLE':
        return new ApiError(503, 'UNAVAILABLE', 'service unavailable', err.message);
    }
  }
  if (err instanceof StoreError) {
    switch (err.code) {
      case 'CONFLICT':
        return new ApiError(409, 'CONFLICT', 'conflict', err.message);
      case 'NOT_FOUND':
        return new ApiError(404, 'NOT_FOUND', 'not found', err.message);
      case 'UNAVAILABLE':
        return new ApiError(503, 'UNAVAILABLE', 'service unavailable', 'the state store is unavailable');
    }
  }
  // body-parser's errors (express.json): bad JSON and bodies over the limit.
  if (hasStatus(err)) {
    if (err.type === 'entity.too.large')
      return new ApiError(413, 'TOO_LARGE', 'request body too large', 'the limit is 1 MB');
    if (err.type === 'entity.parse.failed')
      return new ApiError(400, 'MALFORMED_BODY', 'malformed JSON body', 'the request body is not valid JSON');
    if (err.status >= 400 && err.status < 500)
      return new ApiError(err.status, 'MALFORMED_BODY', 'bad request', err.message);
  }
  return new ApiError(500, 'INTERNAL', 'internal error');
}
