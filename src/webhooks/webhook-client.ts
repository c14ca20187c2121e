/**
 * The HTTP client of every request Patchbay sends to customer URLs (spec vobizxml 1.3-1.6,
 * rest-api 5.1, 5.11): XML documents (answer, fallback, action, Redirect ...) and
 * notifications (hangup_url, callbackUrl ...). Form-encoded (POST body or GET query),
 * signed (V2 + V3), fragment retry policy, outbound-address policy, keep-alive connections.
 *
 *   request --url ok--> resolve host --allowed--> try --ok--> done
 *      |                     |                      | fail, retryable, budget left
 *      |                     |                      +--> back-off --> try ...
 *      +-- INVALID_URL       +-- DNS / FORBIDDEN    +--> failed (last error)
 */
import { setMaxListeners } from 'node:events';
import https from 'node:https';
import { type Clock, systemClock } from '../util/clock.ts';
import type { Logger } from '../util/log.ts';
import { abortableSleep, raceAbort } from './abortable.ts';
import { WebhookError } from './errors.ts';
import { exchange, type RequestUrl } from './http-request.ts';
import { Http1Pool } from './http1-pool.ts';
import {
  type HostResolver,
  OutboundPolicy,
  resolveLiteral,
  resolveTarget,
  systemResolver,
} from './outbound-policy.ts';
import { formEncode, PreparedUrls } from './prepared-url.ts';
import {
  decodeDocument,
  isSuccess,
  isXmlContentType,
  judgeResponse,
  type WebhookKind as Kind,
} from './response-check.ts';
import {
  applyFragment,
  backoffDelay,
  DOCUMENT_RETRY,
  isRetryable,
  NOTIFY_RETRY,
  type RetryPolicy,
} from './retry-policy.ts';
import { signWithBase } from './signature.ts';
import { defaultUserAgent } from './user-agent.ts';
import type {
  FetchedDocument,
  NotifyResult,
  WebhookClientOptions,
  WebhookRequest,
  Webhooks,
} from './webhook-types.ts';

export { WebhookError, type WebhookErrorCode } from './errors.ts';
export type { OutboundPolicyOptions } from './outbound-policy.ts';
export type { RetryPolicy } from './retry-policy.ts';
export type {
  FetchedDocument,
  HttpMethod,
  NotifyResult,
  WebhookClientOptions,
  WebhookRequest,
  Webhooks,
} from './webhook-types.ts';

/**
 * Client lifecycle:
 *
 *   open --close()--> closing --idle or timeout--> closed
 *   (closing still sends new requests; closed refuses them with ABORTED)
 */
type ClientState = 'open' | 'closing' | 'closed';
const TRANSITIONS: Record<ClientState, readonly ClientState[]> = {
  open: ['closing'],
  closing: ['closed'],
  closed: [],
};

type RunResult =
  | {
      ok: true;
      status: number;
      contentType: string;
      body: Buffer;
      attempts: number;
      durationMs: number;
      url: string;
    }
  | { ok: false; error: WebhookError; durationMs: number };

/** The reason of an abort the caller's signal or the shutdown passes on (no stack each time). */
const ABORTED = Object.freeze(Object.assign(new Error('webhook request aborted'), { code: 'ABORTED' }));

/** How much of a notification's reply is read before the connection is dropped. */
const NOTIFY_DRAIN_BYTES = 64 * 1024;

export class WebhookClient implements Webhooks {
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly outbound: OutboundPolicy;
  private readonly resolver: HostResolver;
  private readonly documentPolicy: RetryPolicy;
  private readonly notifyPolicy: RetryPolicy;
  private readonly maxDocumentBytes: number;
  private readonly userAgent: string;
  /** Keep-alive connections: our own for `http:`, Node's agent for `https:`. */
  private readonly pool = new Http1Pool();
  private readonly httpsAgent = new https.Agent({ keepAlive: true, timeout: 4000 });
  /** Aborts whatever is still in flight once close() has waited long enough. */
  private readonly shutdown = new AbortController();
  private readonly urls = new PreparedUrls();
  private state: ClientState = 'open';
  private inflight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly opts: WebhookClientOptions) {
    this.log = opts.logger;
    this.clock = opts.clock ?? systemClock;
    this.outbound = new OutboundPolicy(opts.policy);
    // One listener per request in flight: hundreds at once are normal, not a leak.
    setMaxListeners(0, this.shutdown.signal);
    this.resolver = opts.resolver ?? systemResolver;
    this.documentPolicy = { ...DOCUMENT_RETRY, ...opts.documentRetry };
    this.notifyPolicy = { ...NOTIFY_RETRY, ...opts.notifyRetry };
    this.maxDocumentBytes = opts.maxDocumentBytes ?? 100 * 1024;
    this.userAgent = opts.userAgent ?? defaultUserAgent();
  }

  /** The outbound-address policy and resolver this client applies; other egress (Stream WebSockets) shares them. */
  get egress(): { policy: OutboundPolicy; resolver: HostResolver } {
    return { policy: this.outbound, resolver: this.resolver };
  }

  /** In-flight requests, back-off waits included. */
  get pending(): number {
    return this.inflight;
  }

  /**
   * An XML document: 2xx status, Content-Type application/xml or text/xml (charset allowed),
   * at most `maxDocumentBytes` (the download is aborted past it). Retried per policy;
   * throws WebhookError after the last try.
   */
  async fetchDocument(req: WebhookRequest, opts: { signal?: AbortSignal } = {}): Promise<FetchedDocument> {
    const r = await this.run(req, 'document', opts.signal);
    if (!r.ok) throw r.error;
    return {
      text: decodeDocument(r.body, r.contentType),
      status: r.status,
      contentType: r.contentType,
      durationMs: r.durationMs,
      attempts: r.attempts,
      url: r.url,
    };
  }

  /** A notification: any 2xx is success, the reply is read and discarded. Never rejects. */
  async notify(req: WebhookRequest, opts: { signal?: AbortSignal } = {}): Promise<NotifyResult> {
    const r = await this.run(req, 'notify', opts.signal);
    if (r.ok) return { ok: true, status: r.status, attempts: r.attempts, durationMs: r.durationMs };
    return {
      ok: false,
      status: r.error.status,
      attempts: r.error.attempts,
      durationMs: r.durationMs,
      error: r.error,
    };
  }

  /**
   * Waits for the requests in flight (at most `timeoutMs`; requests started meanwhile are
   * still sent, e.g. hangup notifications of calls ending during shutdown), then aborts what
   * is left, drops the keep-alive connections and refuses new requests (ABORTED).
   */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.state !== 'open') return;
    this.transition('closing');
    if (this.inflight > 0) {
      await new Promise<void>((resolve) => {
        const timer = this.clock.setTimer(timeoutMs, done);
        function done(): void {
          timer?.cancel();
          resolve();
        }
        this.idleWaiters.push(done);
      });
    }
    this.transition('closed');
    this.shutdown.abort();
    this.pool.close();
    this.httpsAgent.destroy();
  }

  private transition(to: ClientState): void {
    if (!TRANSITIONS[this.state].includes(to)) {
      throw Object.assign(new Error(`webhook client: ${this.state} -> ${to}`), {
        code: 'ILLEGAL_TRANSITION',
      });
    }
    this.state = to;
  }

  private async run(req: WebhookRequest, kind: Kind, signal: AbortSignal | undefined): Promise<RunResult> {
    const start = this.clock.now();
    this.inflight++;
    let result: RunResult;
    try {
      if (!signal) {
        // Only the client's shutdown stops it: its signal is the request's (closed: aborted).
        result = await this.attempts(req, kind, this.shutdown.signal, start);
      } else {
        const stop = new AbortController();
        const onAbort = (): void => stop.abort(ABORTED);
        signal.addEventListener('abort', onAbort, { once: true });
        this.shutdown.signal.addEventListener('abort', onAbort, { once: true });
        if (signal.aborted || this.state === 'closed') stop.abort(ABORTED);
        try {
          result = await this.attempts(req, kind, stop.signal, start);
        } finally {
          signal.removeEventListener('abort', onAbort);
          this.shutdown.signal.removeEventListener('abort', onAbort);
        }
      }
    } finally {
      this.inflight--;
      if (this.inflight === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
    this.logOutcome(req, kind, result);
    return result;
  }

  private async attempts(
    req: WebhookRequest,
    kind: Kind,
    signal: AbortSignal,
    start: number,
  ): Promise<RunResult> {
    const elapsed = (): number => Math.round(this.clock.now() - start);
    const failed = (error: WebhookError): RunResult => ({ ok: false, error, durationMs: elapsed() });

    const prepared = this.urls.get(req.url);
    if (!prepared.ok) {
      return failed(new WebhookError('INVALID_URL', prepared.message, { url: prepared.logUrl }));
    }
    const parsed = prepared.url;
    const logUrl = parsed.logUrl;
    // Spec 1.6: the fragment is a retry policy, never sent.
    const base = kind === 'document' ? this.documentPolicy : this.notifyPolicy;
    const policy = parsed.fragment
      ? applyFragment(base, parsed.fragment, (message, fields) =>
          this.log.warn({ purpose: req.purpose, url: logUrl, ...fields }, message),
        )
      : base;
    const requested = parsed.href;
    if (signal.aborted) return failed(new WebhookError('ABORTED', 'request aborted', { url: logUrl }));

    // Spec 5.1: form fields in the POST body, or appended to the GET query (kept as it is).
    const form = formEncode(req.params);
    let body: Buffer | undefined;
    let url: RequestUrl = parsed;
    if (req.method === 'GET') {
      if (form) url = { ...parsed, search: parsed.search ? `${parsed.search}&${form}` : `?${form}` };
    } else {
      body = Buffer.from(form, 'utf8');
    }

    const deadline = start + policy.totalTimeoutMs;
    const target =
      resolveLiteral(parsed.hostname, this.outbound) ??
      (await raceAbort(resolveTarget(parsed.hostname, this.outbound, this.resolver), signal));
    if (target === undefined) return failed(new WebhookError('ABORTED', 'request aborted', { url: logUrl }));
    if (!target.ok) return failed(new WebhookError(target.code, target.message, { url: logUrl }));

    let staleRetried = false;
    for (let attempt = 1; ; attempt++) {
      const budgetMs = deadline - this.clock.now();
      if (budgetMs <= 0) {
        return failed(
          new WebhookError('TIMEOUT', 'total time budget exhausted', { url: logUrl, attempts: attempt - 1 }),
        );
      }
      const res = await exchange({
        url,
        method: req.method,
        headers: this.headers(parsed.signatureBase, kind, body),
        body,
        addresses: target.addresses,
        pool: this.pool,
        agent: this.httpsAgent,
        clock: this.clock,
        signal,
        connectTimeoutMs: policy.connectTimeoutMs,
        readTimeoutMs: policy.readTimeoutMs,
        budgetMs,
        keepBody: (status, type) => kind === 'document' && isSuccess(status) && isXmlContentType(type),
        maxBytes: this.maxDocumentBytes,
        drainBytes: NOTIFY_DRAIN_BYTES,
      });
      if (!res.ok && res.stale && !staleRetried) {
        staleRetried = true; // once per request, not counted as a try
        attempt--;
        continue;
      }
      const verdict = judgeResponse(res, kind, logUrl, attempt);
      if (verdict.ok) {
        return { ...verdict, attempts: attempt, durationMs: elapsed(), url: requested };
      }
      const delay = backoffDelay(policy, attempt);
      const retry =
        attempt <= policy.retries &&
        isRetryable(policy, verdict.condition) &&
        this.clock.now() + delay < deadline;
      if (!retry) return failed(verdict.error);
      this.log.debug(
        {
          purpose: req.purpose,
          callUuid: req.callUuid,
          url: logUrl,
          attempt,
          code: verdict.error.code,
          delayMs: delay,
        },
        'webhook try failed, retrying',
      );
      if (!(await abortableSleep(this.clock, delay, signal))) {
        return failed(new WebhookError('ABORTED', 'request aborted', { url: logUrl, attempts: attempt }));
      }
    }
  }

  private headers(signatureBase: string, kind: Kind, body: Buffer | undefined): Record<string, string> {
    // Spec 5.11: V2 and V3 signatures, fresh nonces per try.
    const h = signWithBase(signatureBase, this.opts.authToken, { 'User-Agent': this.userAgent });
    if (kind === 'document') h.Accept = 'application/xml, text/xml';
    if (body) {
      h['Content-Type'] = 'application/x-www-form-urlencoded';
      h['Content-Length'] = String(body.length);
    }
    return h;
  }

  private logOutcome(req: WebhookRequest, kind: Kind, r: RunResult): void {
    // A success is logged at debug (notifications) or info (documents): most deployments
    // log neither, and the record is not even built then.
    const level = r.ok ? (kind === 'notify' ? 'debug' : 'info') : 'warn';
    if (!this.log.isLevelEnabled(level)) return;
    const prepared = this.urls.get(req.url);
    const fields = {
      purpose: req.purpose,
      callUuid: req.callUuid,
      method: req.method,
      url: prepared.ok ? prepared.url.logUrl : prepared.logUrl,
    };
    if (r.ok) {
      const done = { ...fields, status: r.status, attempts: r.attempts, durationMs: r.durationMs };
      if (kind === 'notify') this.log.debug(done, 'webhook delivered');
      else this.log.info(done, 'webhook document fetched');
      return;
    }
    const e = r.error;
    this.log.warn(
      {
        ...fields,
        status: e.status,
        attempts: e.attempts,
        durationMs: r.durationMs,
        code: e.code,
        err: e.message,
      },
      kind === 'notify' ? 'webhook notification failed' : 'webhook document failed',
    );
  }
}
