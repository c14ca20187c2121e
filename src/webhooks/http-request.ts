/**
 * One HTTP exchange of a webhook request (`http:` on the client's own connections,
 * http1-pool.ts; `https:` over node:https), with the timeouts,
 * the body cap and the pinned addresses of the outbound policy. No retries here.
 *
 *   connecting --connect--> waiting --response--> reading --end--> done (ok)
 *       |     (reused socket: straight to waiting)     |
 *       +--- abort / budget / error / timeout / cap ---+--> done (failed)
 *
 * The read timeout is an inactivity timer: it restarts on the response head and on every
 * body chunk, so a slow but steady server is bounded only by the total budget.
 */
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type Socket } from 'node:net';
import type { Clock, TimerHandle } from '../util/clock.ts';
import type { WebhookErrorCode } from './errors.ts';
import type { Http1Events, Http1Pool } from './http1-pool.ts';
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
  /** Keep-alive connections for `http:` URLs. */
  pool: Http1Pool;
  /** Node's keep-alive agent for `https:` URLs. */
  agent: https.Agent;
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
    let reused = false;
    let status = 0;
    let contentType = '';
    let keep = false;
    let limit = 0;

    const finish = (result: ExchangeResult): void => {
      if (phase === 'done') return;
      transition('done');
      connectTimer?.cancel();
      readTimer?.cancel();
      budgetTimer.cancel();
      o.signal.removeEventListener('abort', onAbort);
      if (!result.ok) wire?.destroy();
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

    const events: WireEvents = {
      assigned(isReused, connecting) {
        reused = isReused;
        if (!connecting) {
          connected();
          return;
        }
        // A new connection: the connect timeout runs until it is up.
        connectTimer = o.clock.setTimer(o.connectTimeoutMs, () =>
          fail('TIMEOUT', `connect timeout after ${o.connectTimeoutMs} ms`, 'ct'),
        );
      },
      connected,
      head(h) {
        connected();
        if (phase !== 'waiting') return; // already failed (timeout, abort)
        transition('reading');
        sawData();
        status = h.status;
        contentType = h.contentType;
        keep = o.keepBody(status, contentType);
        limit = keep ? o.maxBytes : o.drainBytes;
        if (keep && h.contentLength !== undefined && h.contentLength > o.maxBytes) {
          fail('TOO_LARGE', `document of ${h.contentLength} bytes exceeds ${o.maxBytes}`, undefined, status);
        }
      },
      data(chunk) {
        if (phase !== 'reading') return;
        sawData();
        size += chunk.length;
        if (size > limit) {
          if (keep) fail('TOO_LARGE', `document exceeds ${o.maxBytes} bytes`, undefined, status);
          else {
            // Enough of a notification reply: stop reading and drop the connection.
            finish({ ok: true, status, contentType, body: Buffer.alloc(0) });
            wire?.destroy();
          }
          return;
        }
        if (keep) chunks.push(chunk);
      },
      end() {
        if (phase === 'reading') finish({ ok: true, status, contentType, body: Buffer.concat(chunks) });
      },
      failed(code, message, stale) {
        if (DNS_CODES.has(code)) {
          fail('DNS', `cannot resolve ${o.url.hostname}: ${code}`);
        } else if (reused && phase === 'waiting' && (stale || STALE_CODES.has(code))) {
          // The server closed an idle keep-alive connection as we reused it: not its failure.
          finish({
            ok: false,
            code: 'CONNECT',
            message: `reused connection closed: ${code || message}`,
            condition: 'ct',
            stale: true,
          });
        } else if (phase === 'reading') {
          fail('CONNECT', code ? `response broken: ${code}` : message, 'rt', status);
        } else {
          // Connected and the exchange broke (reset before the response ...): a read failure.
          const connecting = phase === 'connecting';
          fail(
            'CONNECT',
            `${connecting ? 'connect' : 'connection'} failed: ${code || message}`,
            connecting ? 'ct' : 'rt',
          );
        }
      },
    };
    let wire: Wire | undefined;
    const bad = badHeader(o.headers);
    if (bad) {
      fail('CONNECT', `header ${bad} holds a line break`);
      return;
    }
    wire = o.url.protocol === 'https:' ? nodeWire(o, events) : leanWire(o, events);
  });
}

/** What carries one exchange; it reports to WireEvents. */
interface Wire {
  destroy(): void;
}
type WireEvents = Http1Events;

/** `http:` on the client's own keep-alive connections (http1-pool.ts). */
function leanWire(o: ExchangeOptions, events: WireEvents): Wire {
  const host = o.url.hostname;
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  const address = isIP(bare) !== 0 ? bare : (o.addresses[0]?.address ?? bare);
  const port = Number(o.url.port || 80);
  let head = `${o.method} ${o.url.pathname}${o.url.search} HTTP/1.1\r\nHost: ${host}${o.url.port ? `:${o.url.port}` : ''}\r\n`;
  for (const name in o.headers) head += `${name}: ${o.headers[name]}\r\n`;
  if (o.url.username) head += `Authorization: Basic ${basicAuth(o.url)}\r\n`;
  if (o.body === undefined && o.method === 'POST') head += 'Content-Length: 0\r\n';
  head += 'Connection: keep-alive\r\n\r\n';
  const headBytes = Buffer.byteLength(head, 'latin1');
  const payload = Buffer.allocUnsafe(headBytes + (o.body?.length ?? 0));
  payload.write(head, 0, 'latin1');
  o.body?.copy(payload, headBytes);
  return o.pool.request({ address, port }, payload, events);
}

/** `https:` through node:https and its keep-alive agent. */
function nodeWire(o: ExchangeOptions, events: WireEvents): Wire {
  const host = o.url.hostname.replace(/^\[(.*)\]$/, '$1');
  const req = https.request({
    protocol: o.url.protocol,
    hostname: host,
    port: o.url.port || 443,
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
  req.on('socket', (socket: Socket) => {
    const connecting = !req.reusedSocket && socket.connecting;
    events.assigned(req.reusedSocket, connecting);
    if (connecting) socket.once('secureConnect', () => events.connected());
  });
  req.on('error', (err: NodeJS.ErrnoException) => events.failed(err.code ?? '', err.message, false));
  req.on('response', (res: IncomingMessage) => {
    const declared = Number(res.headers['content-length']);
    events.head({
      status: res.statusCode ?? 0,
      contentType: headerValue(res.headers['content-type']),
      contentLength: Number.isFinite(declared) ? declared : undefined,
      keepAlive: true,
    });
    res.on('data', (chunk: Buffer) => events.data(chunk));
    res.on('end', () => events.end());
    res.on('error', (err: NodeJS.ErrnoException) => events.failed(err.code ?? '', err.message, false));
    res.on('close', () => {
      if (!res.complete) events.failed('', 'response cut short by the server', false);
    });
  });
  req.end(o.body);
  return { destroy: () => req.destroy() };
}

function basicAuth(url: RequestUrl): string {
  return Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString(
    'base64',
  );
}

const LINE_BREAK = /[\r\n\0]/;

/** The name of a header whose value would break the request's head, if any. */
function badHeader(headers: Record<string, string>): string | undefined {
  for (const name in headers) if (LINE_BREAK.test(headers[name] as string)) return name;
  return undefined;
}

function headerValue(v: string | string[] | undefined): string {
  return (Array.isArray(v) ? v[0] : v) ?? '';
}
