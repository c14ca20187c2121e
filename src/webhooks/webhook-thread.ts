/**
 * The webhook client on its own worker thread (webhook-worker.ts): the main thread hands it
 * each request and gets the outcome back, a message each way, instead of running node:http,
 * TLS, signing and their garbage next to SIP and the media clock. Same contract as
 * WebhookClient (the `Webhooks` interface); its log records come back to the main logger.
 *
 *   running --close()--> closing --worker closed--> closed (requests: ABORTED at once)
 *   (a worker that dies fails what it had in flight; the next request starts a new one)
 *
 * The worker keeps the process alive only while requests are in flight (or it is closing).
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../util/log.ts';
import { WebhookError } from './errors.ts';
import { OutboundPolicy, systemResolver } from './outbound-policy.ts';
import { redactUrl } from './response-check.ts';
import type {
  FetchedDocument,
  NotifyResult,
  WebhookClientOptions,
  WebhookRequest,
  Webhooks,
} from './webhook-types.ts';
import {
  type FromWorker,
  fromWireError,
  fromWireNotify,
  type RequestKind,
  type ToWorker,
  type ToWorkerItem,
  type WireError,
  type WireNotify,
  type WorkerSettings,
} from './webhook-wire.ts';

/** The options of WebhookClient that can cross threads: no clock or resolver (the system's are used). */
export type WebhookThreadOptions = Omit<WebhookClientOptions, 'clock' | 'resolver'>;

/** How long a notification may wait in the outbox for other items (see `post`), ms. */
export const NOTIFY_WAIT_MS = 5;

type Outcome =
  | { ok: true; document?: FetchedDocument; notify?: WireNotify }
  | { ok: false; error: WireError };

interface InFlight {
  settle: (o: Outcome) => void;
  url: string;
}

const LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

export class WebhookThread implements Webhooks {
  readonly egress: Webhooks['egress'];
  private readonly log: Logger;
  private readonly settings: WorkerSettings;
  private worker: Worker | undefined;
  private readonly inFlight = new Map<number, InFlight>();
  private seq = 0;
  private state: 'running' | 'closing' | 'closed' = 'running';
  private whenClosed?: () => void;
  /** Items for the worker, posted together at the end of this turn of the event loop. */
  private outbox: ToWorkerItem[] = [];
  private readonly flushBound = (): void => this.flush();
  /** A flush is due at the end of this turn (setImmediate). */
  private flushSoon = false;
  /** The outbox holds notifications only, posted when this timer fires (see `post`). */
  private notifyTimer: NodeJS.Timeout | undefined;

  constructor(opts: WebhookThreadOptions) {
    this.log = opts.logger;
    // Built here too, so that bad CIDRs fail at start as with WebhookClient, and for `egress`.
    this.egress = { policy: new OutboundPolicy(opts.policy), resolver: systemResolver };
    this.settings = {
      authId: opts.authId,
      authToken: opts.authToken,
      logLevel: opts.logger.level,
      ...(opts.policy ? { policy: opts.policy } : {}),
      ...(opts.documentRetry ? { documentRetry: opts.documentRetry } : {}),
      ...(opts.notifyRetry ? { notifyRetry: opts.notifyRetry } : {}),
      ...(opts.maxDocumentBytes !== undefined ? { maxDocumentBytes: opts.maxDocumentBytes } : {}),
      ...(opts.userAgent ? { userAgent: opts.userAgent } : {}),
    };
    this.start();
  }

  get pending(): number {
    return this.inFlight.size;
  }

  async fetchDocument(req: WebhookRequest, opts: { signal?: AbortSignal } = {}): Promise<FetchedDocument> {
    const o = await this.send('document', req, opts.signal);
    if (!o.ok) throw fromWireError(o.error);
    return o.document as FetchedDocument;
  }

  async notify(req: WebhookRequest, opts: { signal?: AbortSignal } = {}): Promise<NotifyResult> {
    const o = await this.send('notify', req, opts.signal);
    if (o.ok) return fromWireNotify(o.notify as WireNotify);
    const error = fromWireError(o.error);
    if (!(error instanceof WebhookError)) throw error;
    return { ok: false, attempts: error.attempts, durationMs: 0, error };
  }

  /** Lets the worker finish what is in flight (at most `timeoutMs`, see WebhookClient.close), then ends it. */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'closing';
    const worker = this.worker;
    if (worker) {
      worker.ref();
      await new Promise<void>((resolve) => {
        this.whenClosed = resolve;
        this.post({ t: 'close', timeoutMs });
      });
      await worker.terminate();
    }
    this.state = 'closed';
    this.failAll('ABORTED', 'request aborted');
  }

  private start(): Worker {
    // From the sources, a plain-JavaScript entry that loads the TypeScript worker through tsx;
    // the bundle has the worker bundled beside it.
    const entry = new URL(
      import.meta.url.endsWith('.ts') ? './webhook-worker-source.mjs' : './webhook-worker.mjs',
      import.meta.url,
    );
    const worker = new Worker(entry, { workerData: this.settings, ...workerExecArgv(process.execArgv) });
    worker.unref();
    worker.on('message', (m: FromWorker) => this.receive(m));
    worker.on('error', (err) => {
      this.log.error({ err }, 'the webhook thread failed');
    });
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      // What was queued for it is failed below with the rest of its requests.
      this.outbox = [];
      if (this.state === 'running') this.log.error({ code }, 'the webhook thread exited');
      this.failAll('CONNECT', 'the webhook thread exited');
      this.whenClosed?.();
    });
    this.worker = worker;
    return worker;
  }

  private send(kind: RequestKind, req: WebhookRequest, signal: AbortSignal | undefined): Promise<Outcome> {
    if (this.state !== 'running') {
      return Promise.resolve(failure('ABORTED', 'request aborted', req.url));
    }
    const worker = this.worker ?? this.start();
    const id = ++this.seq;
    return new Promise<Outcome>((resolve) => {
      const onAbort = (): void => this.post({ t: 'abort', id });
      signal?.addEventListener('abort', onAbort, { once: true });
      if (this.inFlight.size === 0) worker.ref();
      this.inFlight.set(id, {
        url: req.url,
        settle: (o) => {
          signal?.removeEventListener('abort', onAbort);
          if (this.inFlight.size === 0 && this.state === 'running') this.worker?.unref();
          resolve(o);
        },
      });
      this.post({ t: 'req', id, kind, req });
      if (signal?.aborted) onAbort();
    });
  }

  private receive(m: FromWorker): void {
    switch (m.t) {
      case 'done': {
        const call = this.inFlight.get(m.id);
        if (!call) return;
        this.inFlight.delete(m.id);
        call.settle(
          m.ok ? { ok: true, ...('document' in m ? { document: m.document } : { notify: m.notify }) } : m,
        );
        break;
      }
      case 'log':
        this.relay(m.line);
        break;
      case 'closed':
        this.whenClosed?.();
        break;
    }
  }

  /** A record of the worker's logger, written by the main one (its bindings, its destination). */
  private relay(line: string): void {
    try {
      const { level, msg, ...fields } = JSON.parse(line) as { level: number; msg?: string };
      const method = LEVELS[level] ?? 'info';
      this.log[method](fields, msg);
    } catch {
      this.log.warn({ line }, 'unreadable log record from the webhook thread');
    }
  }

  /**
   * Queues `m` for the worker. A message to a worker that is waiting wakes its thread, which
   * costs the poster about 15 us (a few us when it is busy); the requests of one turn of the
   * loop (the datagrams read together, the timers due together) go in one message. A
   * notification (hangup, status callbacks) waits up to NOTIFY_WAIT_MS for company: no call
   * is held up by it, order is kept, and under load it rides with other notifications and
   * the next document request instead of waking the worker once per call.
   */
  private post(m: ToWorkerItem): void {
    this.outbox.push(m);
    if (m.t === 'req' && m.kind === 'notify') {
      if (!this.flushSoon) this.notifyTimer ??= setTimeout(this.flushBound, NOTIFY_WAIT_MS);
      return;
    }
    if (this.flushSoon) return;
    this.flushSoon = true;
    setImmediate(this.flushBound);
  }

  private flush(): void {
    this.flushSoon = false;
    if (this.notifyTimer) {
      clearTimeout(this.notifyTimer);
      this.notifyTimer = undefined;
    }
    const items = this.outbox;
    if (items.length === 0) return;
    this.outbox = [];
    const m: ToWorker = items.length === 1 ? (items[0] as ToWorkerItem) : { t: 'batch', items };
    this.worker?.postMessage(m);
  }

  private failAll(code: 'ABORTED' | 'CONNECT', message: string): void {
    const calls = [...this.inFlight.values()];
    this.inFlight.clear();
    for (const call of calls) call.settle(failure(code, message, call.url));
  }
}

function failure(code: 'ABORTED' | 'CONNECT', message: string, url: string): Outcome {
  return { ok: false, error: { code, message, url: redactUrl(url), attempts: 0 } };
}

/**
 * The worker's Node options. Inherited as they are (a loader such as `--import tsx` is
 * needed there too), which Node allows whatever they hold, per-process V8 options such as
 * `--max-old-space-size` included; a list given explicitly may not hold those. Only
 * `--input-type`, meant for an `-e` script and refused for a file, is taken out, which
 * takes an explicit list.
 */
export function workerExecArgv(execArgv: readonly string[]): { execArgv?: string[] } {
  if (!execArgv.some((a) => a.startsWith('--input-type'))) return {};
  return { execArgv: execArgv.filter((a) => !a.startsWith('--input-type')) };
}
