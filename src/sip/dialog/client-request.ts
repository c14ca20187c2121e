import { SipError } from '../errors.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import type { ClientTransactionUser, TransactionLayerApi } from '../transaction/types.ts';
import type { Target } from '../transport/types.ts';

export interface ClientRequestHooks {
  /** A 1xx response. */
  onProvisional?(res: SipResponse): void;
  /** A 2xx to an INVITE after the first final response (RFC 6026: retransmissions, forks). */
  onLate2xx?(res: SipResponse): void;
}

/**
 * Sends a request in a client transaction and resolves with its final response, whatever
 * the status. Rejects when no response comes: TIMEOUT with status 408 (timer B/F, RFC 3261
 * 8.1.3.1), TRANSPORT with 503 (8.1.3.1), TERMINATED when the layer closes.
 */
export function sendAndWait(
  transactions: TransactionLayerApi,
  req: SipRequest,
  target: Target,
  hooks: ClientRequestHooks = {},
): Promise<SipResponse> {
  return new Promise((resolve, reject) => {
    let final = false;
    const user: ClientTransactionUser = {
      onResponse(res) {
        if (res.status < 200) {
          if (!final) hooks.onProvisional?.(res);
        } else if (!final) {
          final = true;
          resolve(res);
        } else if (res.status < 300) {
          hooks.onLate2xx?.(res);
        }
      },
      onError(err) {
        if (final) return;
        final = true;
        reject(withStatus(err));
      },
    };
    try {
      transactions.sendRequest(req, target, user);
    } catch (err) {
      final = true;
      reject(withStatus(err));
    }
  });
}

/** A transaction failure as the status a TU treats it as (RFC 3261 8.1.3.1). */
export function withStatus(err: unknown): SipError {
  if (!(err instanceof SipError)) return new SipError('TRANSPORT', String(err), 503);
  if (err.status !== undefined) return err;
  if (err.code === 'TIMEOUT') return new SipError('TIMEOUT', err.message, 408);
  if (err.code === 'TRANSPORT') return new SipError('TRANSPORT', err.message, 503);
  return err;
}
