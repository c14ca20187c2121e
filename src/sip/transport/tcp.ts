import { connect, createServer, isIP, type Server, type Socket } from 'node:net';
import { type Clock, systemClock } from '../../util/clock.ts';
import { type Logger, silentLogger } from '../../util/log.ts';
import { type ParseError, SipError } from '../errors.ts';
import type { StreamFramerLimits } from './stream-framer.ts';
import { TcpConnection, type TcpConnectionOwner, unmapIpv4 } from './tcp-connection.ts';
import type { HostPort, Source, StreamErrorHandler, StreamTransport } from './types.ts';

export interface TcpTransportOptions {
  /** IPv4 or IPv6 literal to listen on; the family of outbound connections follows it. */
  address: string;
  /** 0 for an ephemeral port. */
  port: number;
  /** A connection with no traffic either way for this long is closed. Default 5 min. */
  idleTimeoutMs?: number;
  /** Inbound plus outbound connections; beyond it accepts are refused and sends fail. Default 1024. */
  maxConnections?: number;
  /** Per-connection limits of the header section and body. Default 64 KiB each. */
  framerLimits?: StreamFramerLimits;
  /** Output queued for a peer that does not read, before the connection is dropped. Default 1 MiB. */
  maxWriteBufferBytes?: number;
  connectTimeoutMs?: number;
  /** How long a closing connection may take to flush before it is destroyed. Default 2 s. */
  closeGraceMs?: number;
  clock?: Clock;
  logger?: Logger;
}

export interface TcpTransportStats {
  accepted: number;
  connected: number;
  /** Inbound connections refused by `maxConnections`. */
  refused: number;
  idleClosed: number;
  framingErrors: number;
}

let nextConnectionId = 1;

/**
 * SIP over TCP (RFC 3261 18): a listener plus outbound connections, kept in one registry
 * by id and by remote address so that responses go back on the request's connection and
 * new requests reuse an open one (18.2.2, 18.1.1).
 */
export class TcpTransport implements StreamTransport, TcpConnectionOwner {
  readonly protocol = 'tcp' as const;
  readonly reliable = true;
  readonly local: HostPort;
  readonly stats: TcpTransportStats = {
    accepted: 0,
    connected: 0,
    refused: 0,
    idleClosed: 0,
    framingErrors: 0,
  };
  private readonly byId = new Map<string, TcpConnection>();
  private readonly byRemote = new Map<string, TcpConnection>();
  private handler: (data: Buffer, source: Source) => void = () => {};
  private streamErrorHandler: StreamErrorHandler | undefined;
  private closing: Promise<void> | undefined;
  private readonly clock: Clock;
  private readonly log: Logger;

  private constructor(
    private readonly server: Server,
    private readonly opts: TcpTransportOptions,
  ) {
    const a = server.address();
    this.local =
      typeof a === 'object' && a
        ? { address: a.address, port: a.port }
        : { address: opts.address, port: opts.port };
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger ?? silentLogger;
    server.on('connection', (socket) => this.accept(socket));
    server.on('error', (err) => this.log.warn({ err, local: this.local }, 'tcp server error'));
  }

  /** Listens on `address:port`; rejects with a TRANSPORT SipError when it cannot. */
  static listen(opts: TcpTransportOptions): Promise<TcpTransport> {
    const family = isIP(opts.address);
    if (family === 0) return Promise.reject(new SipError('TRANSPORT', `not an IP address: ${opts.address}`));
    const server = createServer({ noDelay: true });
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        reject(
          new SipError('TRANSPORT', `cannot listen on tcp ${opts.address}:${opts.port}: ${err.message}`),
        );
      };
      server.once('error', onError);
      server.listen({ host: opts.address, port: opts.port, ipv6Only: family === 6, exclusive: true }, () => {
        server.off('error', onError);
        resolve(new TcpTransport(server, opts));
      });
    });
  }

  /** Open connections (inbound and outbound). */
  get connectionCount(): number {
    return this.byId.size;
  }

  onMessage(handler: (data: Buffer, source: Source) => void): void {
    this.handler = handler;
  }

  onStreamError(handler: StreamErrorHandler): void {
    this.streamErrorHandler = handler;
  }

  hasConnection(connectionId: string): boolean {
    return this.byId.get(connectionId)?.writable ?? false;
  }

  /**
   * Sends on the connection `connectionId` while it is open; else on an open connection to
   * `to`; else on a new one (RFC 3261 18.2.2: a response whose connection is gone goes to
   * a new connection to the address the caller computed from the Via).
   */
  send(data: Buffer, to: HostPort, connectionId?: string): Promise<void> {
    if (this.closing) return Promise.reject(new SipError('TRANSPORT', 'tcp transport is closed'));
    let conn = connectionId === undefined ? undefined : this.byId.get(connectionId);
    if (!conn?.writable) conn = this.byRemote.get(remoteKey(to.address, to.port));
    if (!conn?.writable) {
      if (this.byId.size >= this.maxConnections) {
        return Promise.reject(
          new SipError('TRANSPORT', `tcp connection limit (${this.maxConnections}) reached`),
        );
      }
      conn = this.open(to);
    }
    return conn.write(data);
  }

  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const conn of [...this.byId.values()]) conn.destroy('transport closed');
    });
    return this.closing;
  }

  // TcpConnectionOwner
  connectionMessage(conn: TcpConnection, data: Buffer): void {
    try {
      this.handler(data, conn.source);
    } catch (err) {
      this.log.error({ err, source: conn.source }, 'tcp message handler threw');
    }
  }

  connectionStreamError(conn: TcpConnection, err: ParseError, head: Buffer | undefined): void {
    this.stats.framingErrors++;
    this.log.warn({ reason: err.message, source: conn.source }, 'tcp framing error: closing the connection');
    this.forget(conn);
    const handler = this.streamErrorHandler;
    if (!handler) {
      conn.close(err.message);
      return;
    }
    let done: Promise<void> | void;
    try {
      done = handler(err, head, conn.source);
    } catch (e) {
      done = Promise.reject(e);
    }
    Promise.resolve(done)
      .catch((e: unknown) => this.log.warn({ err: e }, 'tcp stream error handler failed'))
      .finally(() => conn.close(err.message));
  }

  connectionClosed(conn: TcpConnection, reason: string): void {
    if (reason === 'idle timeout') this.stats.idleClosed++;
    this.byId.delete(conn.id);
    this.forget(conn);
    this.log.debug({ id: conn.id, remote: conn.remote, reason }, 'tcp connection closed');
  }

  private get maxConnections(): number {
    return this.opts.maxConnections ?? 1024;
  }

  private accept(socket: Socket): void {
    if (this.closing || this.byId.size >= this.maxConnections) {
      this.stats.refused++;
      this.log.warn(
        { remote: socket.remoteAddress, limit: this.maxConnections },
        'tcp connection refused: limit',
      );
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    this.stats.accepted++;
    const remote = { address: unmapIpv4(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0 };
    this.register(this.create(socket, remote, false));
  }

  private open(to: HostPort): TcpConnection {
    const wildcard = this.local.address === '0.0.0.0' || this.local.address === '::';
    const socket = connect({
      host: to.address,
      port: to.port,
      family: isIP(this.local.address) || undefined,
      localAddress: wildcard ? undefined : this.local.address,
      noDelay: true,
    });
    this.stats.connected++;
    const conn = this.create(socket, { address: to.address, port: to.port }, true);
    this.register(conn);
    return conn;
  }

  private create(socket: Socket, remote: HostPort, outbound: boolean): TcpConnection {
    return new TcpConnection({
      id: `tcp-${nextConnectionId++}`,
      protocol: 'tcp',
      socket,
      remote,
      owner: this,
      clock: this.clock,
      idleTimeoutMs: this.opts.idleTimeoutMs ?? 300_000,
      connectTimeoutMs: this.opts.connectTimeoutMs ?? 10_000,
      closeGraceMs: this.opts.closeGraceMs ?? 2_000,
      maxWriteBufferBytes: this.opts.maxWriteBufferBytes ?? 1024 * 1024,
      framerLimits: this.opts.framerLimits,
      outbound,
    });
  }

  private register(conn: TcpConnection): void {
    this.byId.set(conn.id, conn);
    const key = remoteKey(conn.remote.address, conn.remote.port);
    if (!this.byRemote.get(key)?.writable) this.byRemote.set(key, conn);
  }

  /** Takes a closing connection out of reuse (it stays in `byId` until closed). */
  private forget(conn: TcpConnection): void {
    const key = remoteKey(conn.remote.address, conn.remote.port);
    if (this.byRemote.get(key) === conn) this.byRemote.delete(key);
  }
}

function remoteKey(address: string, port: number): string {
  return `${address.toLowerCase()}|${port}`;
}
