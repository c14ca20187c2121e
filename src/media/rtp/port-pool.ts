import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { type Logger, silentLogger } from '../../util/log.ts';

/**
 * UDP port pairs for RTP sessions out of a configured range (PATCHBAY_RTP_PORTS): RTP on
 * an even port, RTCP on the next odd one (RFC 3550 section 11), or RTP alone with rtcp-mux
 * (RFC 5761).
 */

export interface RtpPortPoolOptions {
  /** Lowest and highest usable port, inclusive; pairs start on the first even port. */
  low: number;
  high: number;
  /** Default bind address; its family picks udp4 or udp6. Default 0.0.0.0. */
  host?: string;
  /** SO_RCVBUF / SO_SNDBUF per socket; the kernel may cap them. Default 256 KiB. */
  bufferSize?: number;
  logger?: Logger;
}

export interface AllocateOptions {
  /** Bind address for this allocation instead of the pool's. */
  host?: string;
  /** RTP and RTCP share the even port (RFC 5761): no RTCP socket is bound. */
  rtcpMux?: boolean;
}

export interface PortAllocation {
  /** The even RTP port; RTCP, when separate, is port + 1. */
  readonly port: number;
  readonly host: string;
  readonly rtp: Socket;
  readonly rtcp?: Socket;
  /** Closes both sockets and returns the pair to the pool. Idempotent. */
  release(): Promise<void>;
}

export class PortRangeExhaustedError extends Error {
  readonly code = 'PORTS_EXHAUSTED' as const;

  constructor(
    readonly low: number,
    readonly high: number,
    readonly inUse: number,
    readonly capacity: number,
  ) {
    super(
      `no free RTP port pair in ${low}-${high}: ${inUse} of ${capacity} pairs in use by this pool, ` +
        `the others are busy or taken by other sockets`,
    );
    this.name = 'PortRangeExhaustedError';
  }
}

const DEFAULT_BUFFER_SIZE = 256 * 1024;

export class RtpPortPool {
  private readonly low: number;
  private readonly high: number;
  private readonly host: string;
  private readonly firstPort: number;
  private readonly pairs: number;
  private readonly bufferSize: number;
  private readonly log: Logger;
  /** Even ports of live allocations and of binds in progress. */
  private readonly reserved = new Set<number>();
  /** Index of the next pair to try: moves on every attempt, so a released pair rests a while. */
  private cursor = 0;
  private live = 0;

  constructor(opts: RtpPortPoolOptions) {
    const { low, high } = opts;
    if (!Number.isInteger(low) || !Number.isInteger(high) || low < 1 || high > 65535 || low > high) {
      throw new RangeError(`invalid RTP port range ${low}-${high}`);
    }
    this.low = low;
    this.high = high;
    this.firstPort = low % 2 === 0 ? low : low + 1;
    this.pairs = Math.max(0, Math.floor((high - this.firstPort + 1) / 2));
    if (this.pairs === 0) throw new RangeError(`RTP port range ${low}-${high} holds no even/odd pair`);
    this.host = opts.host ?? '0.0.0.0';
    if (isIP(this.host) === 0) throw new TypeError(`RTP bind host is not an IP address: ${this.host}`);
    this.bufferSize = opts.bufferSize ?? DEFAULT_BUFFER_SIZE;
    this.log = opts.logger ?? silentLogger;
  }

  /** Live allocations. */
  get inUse(): number {
    return this.live;
  }

  /** Port pairs in the range. */
  get capacity(): number {
    return this.pairs;
  }

  /**
   * Binds the next free pair. Ports another process holds (EADDRINUSE) are skipped; when
   * every pair has been tried, rejects with PortRangeExhaustedError. Other bind errors
   * (e.g. EADDRNOTAVAIL for a host that is not local) reject as they are.
   */
  async allocate(opts: AllocateOptions = {}): Promise<PortAllocation> {
    const host = opts.host ?? this.host;
    const family = isIP(host);
    if (family === 0) throw new TypeError(`RTP bind host is not an IP address: ${host}`);
    const type = family === 6 ? 'udp6' : 'udp4';
    for (let tried = 0; tried < this.pairs; tried++) {
      const port = this.firstPort + 2 * this.cursor;
      this.cursor = (this.cursor + 1) % this.pairs;
      if (this.reserved.has(port)) continue;
      // Reserved before the first await, so concurrent calls never try the same pair.
      this.reserved.add(port);
      let rtp: Socket | undefined;
      try {
        rtp = await this.bind(type, host, port);
        const rtcp = opts.rtcpMux ? undefined : await this.bind(type, host, port + 1);
        this.live++;
        return this.allocation(port, host, rtp, rtcp);
      } catch (err) {
        if (rtp) await closeSocket(rtp);
        this.reserved.delete(port);
        if (!isAddressInUse(err)) throw err;
        this.log.debug({ host, port }, 'rtp port pair busy, trying the next');
      }
    }
    throw new PortRangeExhaustedError(this.low, this.high, this.live, this.pairs);
  }

  private allocation(port: number, host: string, rtp: Socket, rtcp: Socket | undefined): PortAllocation {
    let released: Promise<void> | undefined;
    const release = (): Promise<void> => {
      if (!released) {
        this.live--;
        released = Promise.all([closeSocket(rtp), rtcp ? closeSocket(rtcp) : undefined]).then(() => {
          // Only now may the pair be bound again.
          this.reserved.delete(port);
        });
      }
      return released;
    };
    return rtcp ? { port, host, rtp, rtcp, release } : { port, host, rtp, release };
  }

  private bind(type: 'udp4' | 'udp6', host: string, port: number): Promise<Socket> {
    // reuseAddr false: a port someone else holds must fail, not be shared.
    const socket = createSocket({ type, reuseAddr: false, ipv6Only: type === 'udp6' });
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        closeSocket(socket).then(() => reject(err));
      };
      socket.once('error', onError);
      socket.bind({ address: host, port, exclusive: true }, () => {
        socket.off('error', onError);
        // Until the RTP endpoint adds its own listener, an error must not end the process.
        socket.on('error', (err) => this.log.warn({ err, host, port }, 'rtp socket error'));
        this.setBuffers(socket);
        resolve(socket);
      });
    });
  }

  private setBuffers(socket: Socket): void {
    try {
      socket.setRecvBufferSize(this.bufferSize);
      socket.setSendBufferSize(this.bufferSize);
    } catch (err) {
      this.log.debug({ err, size: this.bufferSize }, 'cannot set rtp socket buffer size');
    }
  }
}

function isAddressInUse(err: unknown): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed, e.g. by its endpoint
    }
  });
}
