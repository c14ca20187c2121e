/**
 * One HTTP exchange of a webhook request over node:http / node:https, with the timeouts,
 * the body cap and the pinned addresses of the outbound policy. No retries here.
 *
 *   connecting --connect--> waiting --response--> reading --end--> done (ok)
 *       |     (reused socket: straight to waiting)     |
 *       +--- abort / budget / error / timeout / cap ---+--> done (failed)
 *
 * The read timeout is an inactivity timer: it restarts on the response head and on every
 * body chunk, so a slow but steady server is bounded only by the total budget.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type Socket } from 'node:net';
import type { Clock, TimerHandle } from '../util/clock.ts';
import type { WebhookErrorCode } from './errors.ts';
import { pinnedLookup, type ResolvedAddress } from './outbound-policy.ts';
import type { RetryCondition } from './retry-policy.ts';

/** The parts of the URL an exchange uses (a URL object has them). */
export interface RequestUrl {
  readonly protocol: string;
  readonly hostname: string;
  readonly port: string;
  readonly pathname: string;
  readonly search: string;
  readonly username: string;
  readonly password: string;
}

export interface ExchangeOptions {
  /** Absolute URL without fragment; its query (already with GET fields) is sent as is. */
  url: RequestUrl;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: Buffer;
  /** Checked addresses of the host (ignored by Node for IP-literal hosts, checked before). */
  addresses: readonly ResolvedAddress[];
  agent: http.Agent;
  clock: Clock;
  signal: AbortSignal;
  connectTimeoutMs: number;
  readTimeoutMs: number;
  /** Budget left for this exchange, ms. */
  budgetMs: number;
  /** Whether the body of this response is wanted; if not it is drained up to `drainBytes`. */
  keepBody: (status: number, contentType: string) => boolean;
  /** A kept body past this size fails the exchange with TOO_LARGE (the download is aborted). */
  maxBytes: number;
  /** A discarded body past this size just ends the exchange (the socket is dropped). */
  drainBytes: number;
}

export type ExchangeResult =
  | { ok: true; status: number; contentType: string; body: Buffer }
  | {
      ok: false;
      code: WebhookErrorCode;
      message: string;
      condition?: RetryCondition;
      status?: number;
      /** A reused keep-alive connection died before any response: safe to try again at once. */
      stale?: boolean;
    };

type Phase = 'connecting' | 'waiting' | 'reading' | 'done';
const NEXT: Record<Phase, readonly Phase[]> = {
  connecting: ['waiting', 'done'],
  waiting: ['reading', 'done'],
  reading: ['done'],
  done: [],
};

const STALE_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
const DNS_CODES: ReadonlySet<string> = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA']);

export function exchange(o: ExchangeOptions): Promise<ExchangeResult> {
  return new Promise<ExchangeResult>((resolve) => {
    if (o.signal.aborted) {
      resolve({ ok: false, code: 'ABORTED', message: 'request aborted' });
      return;
    }
    let phase: Phase = 'connecting';
    const transition = (to: Phase): void => {
      if (!NEXT[phase].includes(to)) {
        throw Object.assign(new Error(`webhook exchange: ${phase} -> ${to}`), { code: 'ILLEGAL_TRANSITION' });
      }
      phase = to;
    };
    let readTimer: TimerHandle | undefined;
    let connectTimer: TimerHandle | undefined;
    /** When data last came (the read timer checks it rather than being re-armed per chunk). */
    let lastRead = 0;
    const chunks: Buffer[] = [];
    let size = 0;

    const isHttps = o.url.protocol === 'https:';
    const host = o.url.hostname.replace(/^\[(.*)\]$/, '$1');
    const mod = isHttps ? https : http;
    const req = mod.request({
      protocol: o.url.protocol,
      hostname: host,
      port: o.url.port || (isHttps ? 443 : 80),
      path: `${o.url.pathname}${o.url.search}`,
      method: o.method,
      headers: o.headers,
      agent: o.agent,
      // An IP literal is connected to as it is (checked before); a name only through the checked addresses.
      ...(isIP(host) === 0 ? { lookup: pinnedLookup(o.addresses) } : {}),
      auth: o.url.username
        ? `${decodeURIComponent(o.url.username)}:${decodeURIComponent(o.url.password)}`
        : undefined,
    });

    const finish = (result: ExchangeResult): void => {
      if (phase === 'done') return;
      transition('done');
      connectTimer?.cancel();
      readTimer?.cancel();
      budgetTimer.cancel();
      o.signal.removeEventListener('abort', onAbort);
      if (!result.ok) req.destroy();
      resolve(result);
    };
    const fail = (
      code: WebhookErrorCode,
      message: string,
      condition?: RetryCondition,
      status?: number,
    ): void => finish({ ok: false, code, message, condition, status });

    // One inactivity timer for the whole read: it fires readTimeoutMs after it was armed and,
    // when data came meanwhile, waits again for what is left since the last data.
    const onReadTimer = (): void => {
      const idle = o.clock.now() - lastRead;
      if (idle >= o.readTimeoutMs) fail('TIMEOUT', `read timeout: no data for ${o.readTimeoutMs} ms`, 'rt');
      else readTimer = o.clock.setTimer(o.readTimeoutMs - idle, onReadTimer);
    };
    const sawData = (): void => {
      lastRead = o.clock.now();
      readTimer ??= o.clock.setTimer(o.readTimeoutMs, onReadTimer);
    };
    const connected = (): void => {
      if (phase !== 'connecting') return;
      transition('waiting');
      connectTimer?.cancel();
      sawData();
    };
    const onAbort = (): void => fail('ABORTED', 'request aborted');
    const budgetTimer = o.clock.setTimer(o.budgetMs, () => fail('TIMEOUT', 'total time budget exhausted'));
    o.signal.addEventListener('abort', onAbort, { once: true });

    req.on('socket', (socket: Socket) => {
      if (req.reusedSocket || !socket.connecting) {
        connected();
        return;
      }
      // A new connection: the connect timeout runs until it is up.
      connectTimer = o.clock.setTimer(o.connectTimeoutMs, () =>
        fail('TIMEOUT', `connect timeout after ${o.connectTimeoutMs} ms`, 'ct'),
      );
      socket.once(isHttps ? 'secureConnect' : 'connect', connected);
    });

    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      if (DNS_CODES.has(code)) {
        fail('DNS', `cannot resolve ${host}: ${code}`);
      } else if (req.reusedSocket && phase === 'waiting' && STALE_CODES.has(code)) {
        // The server closed an idle keep-alive connection as we reused it: not its failure.
        finish({
          ok: false,
          code: 'CONNECT',
          message: `reused connection closed: ${code}`,
          condition: 'ct',
          stale: true,
        });
      } else {
        // Connected and the exchange broke (reset mid-response ...): a read failure.
        const connecting = phase === 'connecting';
        fail(
          'CONNECT',
          `${connecting ? 'connect' : 'connection'} failed: ${code || err.message}`,
          connecting ? 'ct' : 'rt',
        );
      }
    });

    req.on('response', (res: IncomingMessage) => {
      connected();
      if (phase !== 'waiting') return; // already failed (timeout, abort)
      transition('reading');
      sawData();
      const status = res.statusCode ?? 0;
      const contentType = headerValue(res.headers['content-type']);
      const keep = o.keepBody(status, contentType);
      const limit = keep ? o.maxBytes : o.drainBytes;
      const declared = Number(res.headers['content-length']);
      if (keep && Number.isFinite(declared) && declared > o.maxBytes) {
        fail('TOO_LARGE', `document of ${declared} bytes exceeds ${o.maxBytes}`, undefined, status);
        return;
      }
      res.on('data', (chunk: Buffer) => {
        if (phase === 'done') return;
        sawData();
        size += chunk.length;
        if (size > limit) {
          if (keep) fail('TOO_LARGE', `document exceeds ${o.maxBytes} bytes`, undefined, status);
          else {
            // Enough of a notification reply: stop reading and drop the connection.
            finish({ ok: true, status, contentType, body: Buffer.alloc(0) });
            req.destroy();
          }
          return;
        }
        if (keep) chunks.push(chunk);
      });
      res.on('end', () => finish({ ok: true, status, contentType, body: Buffer.concat(chunks) }));
      res.on('error', (err: NodeJS.ErrnoException) =>
        fail('CONNECT', `response broken: ${err.code ?? err.message}`, 'rt', status),
      );
      res.on('close', () => {
        if (!res.complete) fail('CONNECT', 'response cut short by the server', 'rt', status);
      });
    });

    req.end(o.body);
  });
}

function headerValue(v: string | string[] | undefined): string {
  return (Array.isArray(v) ? v[0] : v) ?? '';
}
