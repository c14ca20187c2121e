import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { literalLookup } from '../../util/literal-lookup.ts';
import { type Logger, silentLogger } from '../../util/log.ts';
import { SipError } from '../errors.ts';
import type { HostPort, Source, Transport } from './types.ts';

export interface UdpTransportOptions {
  /** IPv4 or IPv6 literal; the socket family follows it. */
  address: string;
  /** 0 for an ephemeral port. */
  port: number;
  /** SO_RCVBUF / SO_SNDBUF in bytes; the kernel may cap them (net.core.rmem_max). Default 4 MiB. */
  recvBufferSize?: number;
  sendBufferSize?: number;
  logger?: Logger;
}

export const DEFAULT_UDP_BUFFER_SIZE = 4 * 1024 * 1024;

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

  private constructor(
    private readonly socket: Socket,
    private readonly log: Logger,
  ) {
    const a = socket.address();
    this.local = { address: a.address, port: a.port };
    socket.on('message', (data, rinfo) => this.receive(data, rinfo));
    // A socket error (e.g. an ICMP report on some platforms) must not end the process.
    socket.on('error', (err) => this.log.warn({ err, local: this.local }, 'udp socket error'));
  }

  /** Binds a socket on `address:port`; rejects with a TRANSPORT SipError when it cannot. */
  static bind(opts: UdpTransportOptions): Promise<UdpTransport> {
    const family = isIP(opts.address);
    if (family === 0) {
      return Promise.reject(new SipError('TRANSPORT', `not an IP address: ${opts.address}`));
    }
    const socket = createSocket({
      type: family === 6 ? 'udp6' : 'udp4',
      ipv6Only: family === 6,
      lookup: literalLookup,
    });
    const log = opts.logger ?? silentLogger;
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

  send(data: Buffer, to: HostPort): Promise<void> {
    if (this.closed) return Promise.reject(new SipError('TRANSPORT', 'udp transport is closed'));
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
    this.closed ??= new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
    return this.closed;
  }

  private receive(data: Buffer, rinfo: RemoteInfo): void {
    // RFC 5626 4.4.1: CRLF keep-alives carry no message; many UAs send them over UDP too.
    if (isOnlyCrlf(data)) {
      this.stats.keepAlives++;
      return;
    }
    this.stats.received++;
    const source: Source = { protocol: 'udp', address: rinfo.address, port: rinfo.port, local: this.local };
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
