/**
 * A customer's webhook application on 127.0.0.1 for tests: routes answer with scripted
 * replies, every request is recorded with its form fields, and its V3 signature is checked
 * by a verifier written here from the spec text (rest-api 5.11) - deliberately not the one
 * in src/webhooks - so tests prove our signing against the spec, not against itself.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Form body fields (POST) or query fields (GET). */
  params: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  signatureValid: boolean;
  /** performance.now() when the request was complete. */
  at: number;
}

export interface Reply {
  status?: number;
  contentType?: string;
  body?: string | Buffer;
  delayMs?: number;
}

export interface WebhookServer {
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  url(path: string): string;
  route(path: string, handler: (req: ReceivedRequest) => Reply | Promise<Reply>): void;
  /** Answers `path` with 200 application/xml. */
  xml(path: string, xml: string): void;
  readonly requests: ReceivedRequest[];
  requestsTo(path: string): ReceivedRequest[];
  /** The count-th (default 1st) request to `path` matching `where`; rejects after timeoutMs (default 5000). */
  waitFor(
    path: string,
    opts?: { count?: number; timeoutMs?: number; where?: (r: ReceivedRequest) => boolean },
  ): Promise<ReceivedRequest>;
  close(): Promise<void>;
}

interface Waiter {
  path: string;
  count: number;
  where: (r: ReceivedRequest) => boolean;
  resolve: (r: ReceivedRequest) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** Spec 5.11: base64(HMAC-SHA256(token, scheme://host/path + "." + nonce)), body not signed. */
function checkV3(baseUrl: string, headers: IncomingMessage['headers'], token: string): boolean {
  const sig = headers['x-vobiz-signature-v3'];
  const nonce = headers['x-vobiz-signature-v3-nonce'];
  if (typeof sig !== 'string' || typeof nonce !== 'string' || !/^\d{20}$/.test(nonce)) return false;
  const expected = createHmac('sha256', token).update(`${baseUrl}.${nonce}`).digest('base64');
  return expected === sig;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startWebhookServer(opts: { authToken: string }): Promise<WebhookServer> {
  const routes = new Map<string, (req: ReceivedRequest) => Reply | Promise<Reply>>();
  const requests: ReceivedRequest[] = [];
  let waiters: Waiter[] = [];
  /** Replies held back by `delayMs`; close() releases them so no timer outlives the server. */
  const delayed = new Set<{ timer: NodeJS.Timeout; release: () => void }>();
  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const entry = {
        timer: setTimeout(() => entry.release(), ms),
        release: () => {
          clearTimeout(entry.timer);
          delayed.delete(entry);
          resolve();
        },
      };
      delayed.add(entry);
    });

  const matches = (path: string, where: (r: ReceivedRequest) => boolean) =>
    requests.filter((r) => r.path === path && where(r));

  const settleWaiters = (): void => {
    waiters = waiters.filter((w) => {
      const found = matches(w.path, w.where)[w.count - 1];
      if (!found) return true;
      clearTimeout(w.timer);
      w.resolve(found);
      return false;
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = new URL(req.url ?? '/', origin);
    const text = await readBody(req);
    const query = Object.fromEntries(target.searchParams);
    const type = String(req.headers['content-type'] ?? '');
    const params =
      req.method === 'GET' || !type.startsWith('application/x-www-form-urlencoded')
        ? { ...query }
        : Object.fromEntries(new URLSearchParams(text));
    const received: ReceivedRequest = {
      method: req.method ?? '',
      path: target.pathname,
      query,
      params,
      headers: { ...req.headers },
      signatureValid: checkV3(origin + target.pathname, req.headers, opts.authToken),
      at: performance.now(),
    };
    requests.push(received);
    settleWaiters();
    const handler = routes.get(target.pathname);
    let reply: Reply;
    try {
      reply = handler ? await handler(received) : { status: 404, body: 'not found' };
    } catch (err) {
      reply = { status: 500, body: String(err) };
    }
    if (reply.delayMs) await delay(reply.delayMs);
    if (res.destroyed || res.writableEnded) return;
    const body = reply.body ?? '';
    res.writeHead(reply.status ?? 200, {
      'Content-Type': reply.contentType ?? 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    origin,
    url: (path) => origin + path,
    route: (path, handler) => {
      routes.set(path, handler);
    },
    xml: (path, xml) => {
      routes.set(path, () => ({ status: 200, contentType: 'application/xml', body: xml }));
    },
    requests,
    requestsTo: (path) => requests.filter((r) => r.path === path),
    waitFor: (path, o = {}) =>
      new Promise<ReceivedRequest>((resolve, reject) => {
        const count = o.count ?? 1;
        const where = o.where ?? (() => true);
        const found = matches(path, where)[count - 1];
        if (found) {
          resolve(found);
          return;
        }
        const timeoutMs = o.timeoutMs ?? 5000;
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w.timer !== timer);
          const seen = matches(path, where).length;
          reject(
            new Error(`waitFor ${path}: request #${count} not received within ${timeoutMs} ms (saw ${seen})`),
          );
        }, timeoutMs);
        waiters.push({ path, count, where, resolve, reject, timer });
      }),
    close: async () => {
      for (const w of waiters) {
        clearTimeout(w.timer);
        w.reject(new Error(`waitFor ${w.path}: webhook server closed`));
      }
      waiters = [];
      server.closeAllConnections();
      for (const d of [...delayed]) d.release();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
