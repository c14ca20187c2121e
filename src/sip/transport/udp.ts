import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { literalLookup } from '../../util/literal-lookup.ts';
import { type Logger, silentLogger } from '../../util/log.ts';
import { SipError } from '../errors.ts';
import type { HostPort, Source, Transport } from './types.ts';
import { UdpSendThread } from './udp-send-thread.ts';

export interface UdpTransportOptions {
  /** IPv4 or IPv6 literal; the socket family follows it. */
  address: string;
  /** 0 for an ephemeral port. */
  port: number;
  /** SO_RCVBUF / SO_SNDBUF in bytes; the kernel may cap them (net.core.rmem_max). Default 4 MiB. */
  recvBufferSize?: number;
  sendBufferSize?: number;
  /** Send from a thread of its own (UdpSendThread); default false: from this thread. */
  sendThread?: boolean;
  logger?: Logger;
}

export const DEFAULT_UDP_BUFFER_SIZE = 4 * 1024 * 1024;

/** The largest UDP payload over IPv4 (65,535 - 8 - 20); larger ones fail from this thread's socket. */
const MAX_DATAGRAM = 65507;
/**
 * A destination the kernel refused a datagram for (sent from the send thread) fails the sends
 * to it this long at once: the next retransmission reports the transport error (RFC 3261
 * 17.1.4, 17.2.4) instead of the transaction timing out.
 */
const REFUSED_MS = 5000;
const QUEUED: Promise<void> = Promise.resolve();

/** Counters for tests and metrics. */
export interface UdpTransportStats {
  received: number;
  keepAlives: number;
  sent: number;
  sendErrors: number;
}

/** SIP over UDP: one datagram is one message (RFC 3261 18.1.1, 18.2.1). */
export class UdpTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  readonly local: HostPort;
  readonly stats: UdpTransportStats = { received: 0, keepAlives: 0, sent: 0, sendErrors: 0 };
  private handler: (data: Buffer, source: Source) => void = () => {};
  private closed: Promise<void> | undefined;
  private sender: UdpSendThread | undefined;
  /** `address:port` -> until when sends there fail at once (see REFUSED_MS). */
  private readonly refused = new Map<string, { until: number; message: string }>();

  private constructor(
    private readonly socket: Socket,
    private readonly log: Logger,
  ) {
    const a = socket.address();
    this.local = { address: a.address, port: a.port };
    socket.on('message', (data, rinfo) => this.receive(data, rinfo.address, rinfo.port));
    // A socket error (e.g. an ICMP report on some platforms) must not end the process.
    socket.on('error', (err) => this.log.warn({ err, local: this.local }, 'udp socket error'));
  }

  /** Binds a socket on `address:port`; rejects with a TRANSPORT SipError when it cannot. */
  static bind(opts: UdpTransportOptions): Promise<UdpTransport> {
    const family = isIP(opts.address);
    if (family === 0) {
      return Promise.reject(new SipError('TRANSPORT', `not an IP address: ${opts.address}`));
    }
    const log = opts.logger ?? silentLogger;
    return opts.sendThread
      ? UdpTransport.bindWithThread(opts, log)
      : UdpTransport.bindSocket(opts, log, false);
  }

  /**
   * The send thread's socket first, then ours on its port: Linux delivers to the one bound
   * last. Both share the port (SO_REUSEADDR), which would let them share it with another
   * process doing the same (a second Patchbay on the same port); so the port is first bound
   * alone, as a plain socket would be, and a port in use fails here as it does without the
   * thread.
   */
  private static async bindWithThread(opts: UdpTransportOptions, log: Logger): Promise<UdpTransport> {
    const probe = await UdpTransport.bindSocket(opts, log, false);
    const port = probe.local.port;
    await probe.close();
    let transport: UdpTransport | undefined;
    let sender: UdpSendThread;
    try {
      sender = await UdpSendThread.start({
        address: opts.address,
        port,
        sendBufferSize: opts.sendBufferSize ?? DEFAULT_UDP_BUFFER_SIZE,
        onFailure: (address, port, message) => transport?.sendFailed(address, port, message),
        onStray: (data, address, port) => transport?.receive(data, address, port),
        onExit: (err) => transport?.senderExited(err),
      });
    } catch (err) {
      throw new SipError(
        'TRANSPORT',
        `cannot bind udp ${opts.address}:${port}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    try {
      transport = await UdpTransport.bindSocket({ ...opts, port: sender.port }, log, true);
    } catch (err) {
      await sender.close();
      throw err;
    }
    transport.sender = sender;
    return transport;
  }

  private static bindSocket(opts: UdpTransportOptions, log: Logger, shared: boolean): Promise<UdpTransport> {
    const family = isIP(opts.address);
    const socket = createSocket({
      type: family === 6 ? 'udp6' : 'udp4',
      ipv6Only: family === 6,
      reuseAddr: shared,
      lookup: literalLookup,
    });
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        socket.close();
        reject(new SipError('TRANSPORT', `cannot bind udp ${opts.address}:${opts.port}: ${err.message}`));
      };
      socket.once('error', onError);
      socket.bind({ address: opts.address, port: opts.port, exclusive: true }, () => {
        socket.off('error', onError);
        setBufferSize(socket, opts.recvBufferSize ?? DEFAULT_UDP_BUFFER_SIZE, 'recv', log);
        setBufferSize(socket, opts.sendBufferSize ?? DEFAULT_UDP_BUFFER_SIZE, 'send', log);
        resolve(new UdpTransport(socket, log));
      });
    });
  }

  onMessage(handler: (data: Buffer, source: Source) => void): void {
    this.handler = handler;
  }

  /** Whether datagrams leave from the send thread (false after it died, or without one). */
  get threaded(): boolean {
    return this.sender !== undefined;
  }

  send(data: Buffer, to: HostPort): Promise<void> {
    if (this.closed) return Promise.reject(new SipError('TRANSPORT', 'udp transport is closed'));
    const sender = this.sender;
    if (sender && data.length > 0 && data.length <= MAX_DATAGRAM && isIP(to.address) !== 0) {
      if (this.refused.size > 0) {
        const refusal = this.refusal(to);
        if (refusal) return Promise.reject(refusal);
      }
      if (sender.send(data, to.port, to.address)) {
        this.stats.sent++;
        return QUEUED;
      }
    }
    return new Promise((resolve, reject) => {
      this.socket.send(data, to.port, to.address, (err) => {
        if (err) {
          this.stats.sendErrors++;
          reject(new SipError('TRANSPORT', `udp send to ${to.address}:${to.port} failed: ${err.message}`));
        } else {
          this.stats.sent++;
          resolve();
        }
      });
    });
  }

  close(): Promise<void> {
    const sender = this.sender;
    this.sender = undefined;
    void sender?.close();
    this.closed ??= new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
    return this.closed;
  }

  /** The error for a send to `to` while the kernel's refusal of it is recent (REFUSED_MS). */
  private refusal(to: HostPort): SipError | undefined {
    const key = `${to.address}:${to.port}`;
    const r = this.refused.get(key);
    if (!r) return undefined;
    if (Date.now() < r.until) {
      this.stats.sendErrors++;
      return new SipError('TRANSPORT', `udp send to ${key} failed: ${r.message}`);
    }
    this.refused.delete(key);
    return undefined;
  }

  /** The send thread reports a datagram the kernel refused. */
  private sendFailed(address: string, port: number, message: string): void {
    this.stats.sendErrors++;
    const key = `${address}:${port}`;
    if (!this.refused.has(key)) this.log.warn({ to: key, err: message }, 'udp send failed');
    if (this.refused.size >= 1024) this.refused.clear();
    this.refused.set(key, { until: Date.now() + REFUSED_MS, message });
  }

  private senderExited(err: unknown): void {
    if (!this.sender) return;
    this.sender = undefined;
    this.log.error({ err, local: this.local }, 'udp send thread stopped: sending from the main thread');
  }

  private receive(data: Buffer, address: string, port: number): void {
    // RFC 5626 4.4.1: CRLF keep-alives carry no message; many UAs send them over UDP too.
    if (isOnlyCrlf(data)) {
      this.stats.keepAlives++;
      return;
    }
    this.stats.received++;
    const source: Source = { protocol: 'udp', address, port, local: this.local };
    try {
      this.handler(data, source);
    } catch (err) {
      this.log.error({ err, source }, 'udp message handler threw');
    }
  }
}

function isOnlyCrlf(data: Buffer): boolean {
  for (let i = 0; i < data.length; i++) {
    const c = data[i];
    if (c !== 0x0d && c !== 0x0a) return false;
  }
  return true;
}

function setBufferSize(socket: Socket, size: number, which: 'recv' | 'send', log: Logger): void {
  try {
    if (which === 'recv') socket.setRecvBufferSize(size);
    else socket.setSendBufferSize(size);
  } catch (err) {
    log.debug({ err, size }, `cannot set udp ${which} buffer size`);
  }
}
