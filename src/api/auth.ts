import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { type ApiError, forbidden, unauthorized } from './errors.ts';

/** SHA-256 of both sides: equal-length buffers for timingSafeEqual, and no length leak. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function header(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Spec 1.2: every request carries `X-Auth-ID` and `X-Auth-Token`; missing or wrong ones are a
 * 401. The same auth_id is in the path: a request whose credentials are right but whose path
 * names another account is a 403 (authenticated, not permitted). Both header values are
 * compared in constant time. Returns the error to answer with, or undefined when allowed.
 */
export function checkAuth(
  req: Request,
  pathAuthId: string | undefined,
  creds: { authId: string; authToken: string },
): ApiError | undefined {
  const id = header(req, 'x-auth-id');
  const token = header(req, 'x-auth-token');
  if (id === undefined || token === undefined)
    return unauthorized('X-Auth-ID and X-Auth-Token headers are required');
  // Evaluate both comparisons, whatever the first gives.
  const idOk = sameSecret(id, creds.authId);
  const tokenOk = sameSecret(token, creds.authToken);
  if (!idOk || !tokenOk) return unauthorized('X-Auth-ID or X-Auth-Token is wrong');
  if (pathAuthId !== undefined && pathAuthId !== creds.authId)
    return forbidden('the auth_id in the path is not the X-Auth-ID of the request');
  return undefined;
}
