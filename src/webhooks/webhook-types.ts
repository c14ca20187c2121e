/** The public types of the webhook client (re-exported by webhook-client.ts). */
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/log.ts';
import type { WebhookError } from './errors.ts';
import type { HostResolver, OutboundPolicy, OutboundPolicyOptions } from './outbound-policy.ts';
import type { RetryPolicy } from './retry-policy.ts';

export type HttpMethod = 'GET' | 'POST';

export interface WebhookRequest {
  /** Absolute http(s) URL; a `#fragment` carries a retry policy (spec 1.6) and is never sent. */
  url: string;
  method: HttpMethod;
  params: Record<string, string>;
  /** For logs: 'answer', 'fallback', 'action', 'redirect', 'hangup', 'callback' ... */
  purpose: string;
  callUuid?: string;
}

export interface FetchedDocument {
  text: string;
  status: number;
  contentType: string;
  durationMs: number;
  attempts: number;
  /** The URL requested, without fragment (and without the GET fields). */
  url: string;
}

export interface NotifyResult {
  ok: boolean;
  status?: number;
  attempts: number;
  durationMs: number;
  error?: WebhookError;
}

export interface WebhookClientOptions {
  authId: string;
  authToken: string;
  logger: Logger;
  policy?: OutboundPolicyOptions;
  /** Defaults for XML documents (see retry-policy.ts). */
  documentRetry?: Partial<RetryPolicy>;
  /** Defaults for notifications (see retry-policy.ts). */
  notifyRetry?: Partial<RetryPolicy>;
  /** Largest XML document, bytes; default 100 KiB (spec rest-api 5.1). */
  maxDocumentBytes?: number;
  /** Default 'Patchbay-Webhook/<version>'. */
  userAgent?: string;
  /** Timers and durations; default the system clock. */
  clock?: Clock;
  /** Host-name resolution; default the system resolver (tests inject one). */
  resolver?: HostResolver;
}

/**
 * What the rest of Patchbay asks of the webhook client: WebhookClient on the calling thread,
 * or WebhookThread, which runs one on a worker thread.
 */
export interface Webhooks {
  /** An XML document (throws WebhookError after the last try). */
  fetchDocument(req: WebhookRequest, opts?: { signal?: AbortSignal }): Promise<FetchedDocument>;
  /** A notification: never rejects. */
  notify(req: WebhookRequest, opts?: { signal?: AbortSignal }): Promise<NotifyResult>;
  /** Waits for what is in flight (at most `timeoutMs`), then refuses new requests. */
  close(timeoutMs?: number): Promise<void>;
  /** The outbound-address policy and resolver of the client; other egress (Stream WebSockets) shares them. */
  readonly egress: { policy: OutboundPolicy; resolver: HostResolver };
  /** In-flight requests, back-off waits included. */
  readonly pending: number;
}
