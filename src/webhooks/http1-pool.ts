/**
 * Keep-alive HTTP/1.1 connections of the webhook client for `http:` URLs: one request at a
 * time per connection, written in one piece, the response read by ResponseReader. What
 * node:http adds per request (ClientRequest and IncomingMessage streams, header objects,
 * the agent's bookkeeping) cost about as much as the system calls; the webhook thread makes
 * two requests per call.
 *
 *   connecting --connect--> busy --response read, reusable--> idle --taken--> busy
 *        |                   |                                  |
 *        +--error------------+--error / close / not reusable----+--idle too long / closed--> closed
 *
 * An idle connection is kept IDLE_MS (servers commonly close theirs after 5 s) and the most
 * recently used one is taken first. The caller (exchange) owns the timeouts.
 */
import { connect, type Socket } from 'node:net';
import { type ResponseHead, ResponseReader, type ResponseSink } from './http1-response.ts';

export interface Http1Events {
  /** The request has a connection; `connecting` while it is still being set up. */
  assigned(reused: boolean, connecting: boolean): void;
  connected(): void;
  head(head: ResponseHead): void;
  data(chunk: Buffer): void;
  end(): void;
  /**
   * The exchange broke: `code` is the system's (ECONNREFUSED ...) or ''. `stale`: a reused
   * connection closed before any byte of the response (the server dropped it as it was
   * taken), so the request can be sent again at once.
   */
  failed(code: string, message: string, stale: boolean): void;
}

export interface Http1Target {
  /** The checked IP address to connect to. */
  address: string;
  port: number;
}

export interface Http1Request {
  /** Drops the connection (the exchange failed, or read enough of a reply). */
  destroy(): void;
}

const IDLE_MS = 4000;
/** Idle connections kept per target. */
const MAX_IDLE = 256;

type ConnState = 'connecting' | 'busy' | 'idle' | 'closed';

class Connection implements ResponseSink, Http1Request {
  private readonly socket: Socket;
  private state: ConnState = 'connecting';
  private events: Http1Events | undefined;
  private reader: ResponseReader | undefined;
  private reused = false;
  private keepAlive = false;

  constructor(
    private readonly pool: Http1Pool,
    readonly key: string,
    target: Http1Target,
  ) {
    this.socket = connect({ host: target.address, port: target.port, noDelay: true });
    this.socket.once('connect', () => {
      if (this.state !== 'connecting') return;
      this.state = 'busy';
      this.events?.connected();
    });
    this.socket.on('data', (d: Buffer) => {
      if (this.reader) this.reader.push(d);
      else this.close(); // bytes nobody asked for: the connection is out of step
    });
    this.socket.on('end', () => this.ended());
    this.socket.on('close', () => this.ended());
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.broke(err.code ?? '', err.message));
    this.socket.on('timeout', () => {
      if (this.state === 'idle') this.close();
    });
  }

  get idle(): boolean {
    return this.state === 'idle';
  }

  /** Sends one request (head and body in one write) and reads its response. */
  start(payload: Buffer, events: Http1Events): void {
    this.events = events;
    this.reader = new ResponseReader(this);
    this.keepAlive = false;
    const connecting = this.state === 'connecting';
    if (this.state === 'idle') {
      this.state = 'busy';
      this.reused = true;
      this.socket.setTimeout(0);
    }
    events.assigned(this.reused, connecting);
    this.socket.write(payload);
  }

  destroy(): void {
    this.events = undefined;
    this.reader?.stop();
    this.reader = undefined;
    this.close();
  }

  // ResponseSink
  head(head: ResponseHead): void {
    this.keepAlive = head.keepAlive;
    this.events?.head(head);
  }

  data(chunk: Buffer): void {
    this.events?.data(chunk);
  }

  end(extra: number): void {
    const events = this.events;
    this.events = undefined;
    this.reader = undefined;
    if (this.keepAlive && extra === 0 && this.state === 'busy') {
      this.state = 'idle';
      this.socket.setTimeout(IDLE_MS);
      this.pool.release(this);
    } else {
      this.close();
    }
    events?.end();
  }

  fail(message: string): void {
    this.broke('', message);
  }

  private ended(): void {
    if (this.reader)
      this.reader.eof(); // completes a body read to the end, or fails
    else this.close();
  }

  private broke(code: string, message: string): void {
    const events = this.events;
    const stale = this.reused && this.reader !== undefined && !this.reader.begun;
    this.events = undefined;
    this.reader?.stop();
    this.reader = undefined;
    this.close();
    events?.failed(code, message, stale);
  }

  private close(): void {
    if (this.state === 'closed') return;
    const wasIdle = this.state === 'idle';
    this.state = 'closed';
    this.socket.destroy();
    if (wasIdle) this.pool.forget(this);
  }
}

export class Http1Pool {
  private readonly idle = new Map<string, Connection[]>();

  /** Sends `payload` to `target` on an idle connection to it, or a new one. */
  request(target: Http1Target, payload: Buffer, events: Http1Events): Http1Request {
    const key = `${target.address}|${target.port}`;
    let conn: Connection | undefined;
    const list = this.idle.get(key);
    while (list && list.length > 0 && !conn) {
      const c = list.pop() as Connection;
      if (c.idle) conn = c;
    }
    conn ??= new Connection(this, key, target);
    conn.start(payload, events);
    return conn;
  }

  /** Idle connections (for tests and counters). */
  get idleCount(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }

  /** Closes the idle connections; requests in flight finish, and later ones connect anew. */
  close(): void {
    const all = [...this.idle.values()].flat();
    this.idle.clear();
    for (const c of all) c.destroy();
  }

  /** @internal A connection that read its response and may be reused. */
  release(conn: Connection): void {
    let list = this.idle.get(conn.key);
    if (!list) {
      list = [];
      this.idle.set(conn.key, list);
    }
    if (list.length >= MAX_IDLE) conn.destroy();
    else list.push(conn);
  }

  /** @internal An idle connection closed. */
  forget(conn: Connection): void {
    const list = this.idle.get(conn.key);
    if (!list) return;
    const at = list.indexOf(conn);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.idle.delete(conn.key);
  }
}
