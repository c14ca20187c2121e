import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import type { Logger } from '../util/log.ts';

export interface HttpServer {
  readonly app: Express;
  /** `http://HOST:PORT` as bound (the port resolved when 0 was asked). */
  readonly origin: string;
  close(): Promise<void>;
}

/** Parses `HOST:PORT` (IPv6 in brackets). */
export function parseHostPort(s: string): { host: string; port: number } {
  const m = s.match(/^\[?([^\]]+?)\]?:(\d+)$/);
  if (!m) throw new Error(`expected HOST:PORT, got ${s}`);
  return { host: m[1], port: Number(m[2]) };
}

/** The express app of the REST API, recordings and the demo, listening on PATCHBAY_HTTP_LISTEN. */
export async function startHttpServer(listen: string, app: Express, log: Logger): Promise<HttpServer> {
  const { host, port } = parseHostPort(listen);
  const server: Server = createServer(app);
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  // A wildcard bind is reached on loopback from this host.
  const reachable = addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address === '::' ? '::1' : addr.address;
  const origin = `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${addr.port}`;
  log.info({ http: origin }, 'HTTP listening');
  return {
    app,
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The base app: JSON errors for unknown routes, no framework banner. */
export function createApp(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  return app;
}
