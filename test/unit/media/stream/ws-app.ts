/**
 * The application's side of a Stream for tests: a WebSocket server on 127.0.0.1 (port 0)
 * that keeps every connection, its upgrade request, and every message with its arrival
 * time (performance.now()).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

export interface Received {
  at: number;
  // biome-ignore lint/suspicious/noExplicitAny: test messages are read field by field
  msg: any;
}

export class AppConnection {
  readonly messages: Received[] = [];
  readonly closed: Promise<{ code: number; at: number }>;
  private waiters = new Set<() => void>();

  constructor(
    readonly ws: WebSocket,
    readonly path: string,
    readonly headers: IncomingHttpHeaders,
  ) {
    ws.on('message', (data, isBinary) => {
      const at = performance.now();
      let msg: unknown;
      try {
        msg = JSON.parse(isBinary ? '' : data.toString());
      } catch {
        msg = { event: '<not json>' };
      }
      this.messages.push({ at, msg });
      for (const w of [...this.waiters]) w();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => resolve({ code, at: performance.now() })),
    );
    ws.on('error', () => undefined);
  }

  of(event: string): Received[] {
    return this.messages.filter((m) => m.msg.event === event);
  }

  /** The n-th (0-based) message of `event`, waiting for it. */
  waitFor(event: string, n = 0, timeoutMs = 5000): Promise<Received> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const got = this.of(event)[n];
        if (got) {
          clearTimeout(timer);
          this.waiters.delete(check);
          resolve(got);
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no ${event} #${n} in ${timeoutMs} ms (got ${this.messages.length} messages)`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  send(msg: object | string): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }
}

export class WsApp {
  readonly connections: AppConnection[] = [];
  /** Refuse the upgrade with this HTTP status (the connection attempt is still counted). */
  refuseWith: number | undefined;
  attempts = 0;
  onConnection: ((c: AppConnection) => void) | undefined;
  private waiters = new Set<() => void>();

  private constructor(private readonly server: WebSocketServer) {
    server.on('connection', (ws, req) => {
      const c = new AppConnection(ws, req.url ?? '/', req.headers);
      this.connections.push(c);
      this.onConnection?.(c);
      for (const w of [...this.waiters]) w();
    });
  }

  static async start(): Promise<WsApp> {
    let app: WsApp | undefined;
    const server = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      // 8 MiB: tests send oversized frames Patchbay must refuse, and read big ones.
      maxPayload: 8 * 1024 * 1024,
      verifyClient: (_info, cb) => {
        if (!app) return cb(false, 503);
        app.attempts++;
        if (app.refuseWith !== undefined) cb(false, app.refuseWith);
        else cb(true);
      },
    });
    await new Promise<void>((r) => server.once('listening', () => r()));
    app = new WsApp(server);
    return app;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path = '/'): string {
    return `ws://127.0.0.1:${this.port}${path}`;
  }

  /** The n-th (0-based) connection, waiting for it. */
  connection(n = 0, timeoutMs = 5000): Promise<AppConnection> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const c = this.connections[n];
        if (c) {
          clearTimeout(timer);
          this.waiters.delete(check);
          resolve(c);
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no connection #${n} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  async close(): Promise<void> {
    for (const c of this.connections) if (c.ws.readyState !== WebSocket.CLOSED) c.ws.terminate();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
