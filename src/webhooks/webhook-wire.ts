/**
 * The messages between WebhookThread (main thread) and its worker (webhook-worker.ts), and
 * the conversions of what structured cloning does not carry as is: a WebhookError comes
 * back as its fields and is made a WebhookError again.
 */
import { WebhookError, type WebhookErrorCode } from './errors.ts';
import type { OutboundPolicyOptions } from './outbound-policy.ts';
import type { RetryPolicy } from './retry-policy.ts';
import type { FetchedDocument, NotifyResult, WebhookRequest } from './webhook-types.ts';

/** The options of the worker's WebhookClient that can cross threads (no logger, clock or resolver). */
export interface WorkerSettings {
  authId: string;
  authToken: string;
  policy?: OutboundPolicyOptions;
  documentRetry?: Partial<RetryPolicy>;
  notifyRetry?: Partial<RetryPolicy>;
  maxDocumentBytes?: number;
  userAgent?: string;
  /** The main logger's level: the worker builds only the records that will be written. */
  logLevel: string;
}

export type RequestKind = 'document' | 'notify';

export type ToWorkerItem =
  | { t: 'req'; id: number; kind: RequestKind; req: WebhookRequest }
  | { t: 'abort'; id: number }
  | { t: 'close'; timeoutMs: number };

/** One item, or the items of one turn of the main thread's event loop, in order. */
export type ToWorker = ToWorkerItem | { t: 'batch'; items: ToWorkerItem[] };

/** A WebhookError as fields; `internal` for anything else that was thrown (a bug). */
export interface WireError {
  code: string;
  message: string;
  url: string;
  attempts: number;
  status?: number;
  internal?: boolean;
}

export interface WireNotify {
  ok: boolean;
  status?: number;
  attempts: number;
  durationMs: number;
  error?: WireError;
}

export type FromWorker =
  | { t: 'done'; id: number; ok: true; document: FetchedDocument }
  | { t: 'done'; id: number; ok: true; notify: WireNotify }
  | { t: 'done'; id: number; ok: false; error: WireError }
  | { t: 'log'; line: string }
  | { t: 'closed' };

export function wireError(err: unknown): WireError {
  if (err instanceof WebhookError) {
    return {
      code: err.code,
      message: err.message,
      url: err.url,
      attempts: err.attempts,
      ...(err.status !== undefined ? { status: err.status } : {}),
    };
  }
  return {
    code: 'INTERNAL',
    message: (err as Error)?.message ?? String(err),
    url: '',
    attempts: 0,
    internal: true,
  };
}

export function fromWireError(w: WireError): Error {
  if (w.internal) return new Error(`webhook thread: ${w.message}`);
  return new WebhookError(w.code as WebhookErrorCode, w.message, {
    url: w.url,
    attempts: w.attempts,
    ...(w.status !== undefined ? { status: w.status } : {}),
  });
}

export function wireNotify(r: NotifyResult): WireNotify {
  const { error, ...rest } = r;
  return error ? { ...rest, error: wireError(error) } : rest;
}

export function fromWireNotify(w: WireNotify): NotifyResult {
  const { error, ...rest } = w;
  return error ? { ...rest, error: fromWireError(error) as WebhookError } : rest;
}
