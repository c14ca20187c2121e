import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { literalLookup } from '../../util/literal-lookup.ts';
import { type Logger, silentLogger } from '../../util/log.ts';
import { IdlePairs } from './idle-pairs.ts';

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
  /** Keep released pairs bound and hand them out again (see PairReuseOptions). Default: off. */
  reuse?: PairReuseOptions;
}

/**
 * Released pairs stay bound, up to `maxIdle`, and are handed out again after a rest:
 * binding and closing two sockets per leg is a good part of a call's cost. A pair resting
 * still reads (and drops) what its previous peer sent; it is closed after `maxIdleMs`
 * without use, and by close().
 */
export interface PairReuseOptions {
  maxIdle: number;
  /** Least time between a pair's release and its reuse, ms. Default 2000. */
  restMs?: number;
  /** A pair idle this long is closed, ms. Default 60000. */
  maxIdleMs?: number;
  /** Monotonic ms. Default performance.now. */
  now?: () => number;
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
  /**
   * Returns the pair to the pool: its sockets are closed, or with reuse kept bound with
   * their 'message' listeners removed. Idempotent.
   */
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
  private readonly idle: IdlePairs | undefined;
  private readonly maxIdleMs: number;
  private readonly now: () => number;
  private closed = false;
  /** Allocations served by a pair kept bound. */
  reused = 0;

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
    const reuse = opts.reuse;
    this.idle = reuse && reuse.maxIdle > 0 ? new IdlePairs(reuse.maxIdle, reuse.restMs ?? 2000) : undefined;
    this.maxIdleMs = reuse?.maxIdleMs ?? 60_000;
    this.now = reuse?.now ?? (() => performance.now());
  }

  /** Released pairs kept bound for reuse. */
  get idleCount(): number {
    return this.idle?.size ?? 0;
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
   * A pair kept for reuse that has rested long enough, else binds the next free pair. Ports
   * another process holds (EADDRINUSE) are skipped; when every pair has been tried, rejects
   * with PortRangeExhaustedError. Other bind errors
   * (e.g. EADDRNOTAVAIL for a host that is not local) reject as they are.
   */
  async allocate(opts: AllocateOptions = {}): Promise<PortAllocation> {
    const host = opts.host ?? this.host;
    const family = isIP(host);
    if (family === 0) throw new TypeError(`RTP bind host is not an IP address: ${host}`);
    const type = family === 6 ? 'udp6' : 'udp4';
    const rtcpMux = opts.rtcpMux === true;
    if (this.idle) {
      const now = this.now();
      this.expire(now);
      const pair = this.idle.take(host, rtcpMux, now);
      if (pair) return this.reuse(pair);
    }
    // With every pair live or resting, nothing is left to bind (ports held by other sockets
    // are only found by trying them, as below): no pass over the whole range per call.
    let fresh: PortAllocation | undefined;
    try {
      fresh = this.reserved.size < this.pairs ? await this.bindNext(type, host, rtcpMux) : undefined;
    } catch (err) {
      // Out of file descriptors while resting pairs hold some: one of them serves instead.
      if (!isOutOfDescriptors(err) || !this.idle?.size) throw err;
      this.log.warn({ err }, 'no file descriptor for a new RTP pair; a resting pair is used early');
    }
    if (fresh) return fresh;
    // Every pair is live, resting or held by others (or no descriptor is left). A resting
    // pair of this kind goes out before its rest is over (without reuse the only free pair
    // would be bound again at once too); one of another kind is closed and its port tried
    // afresh.
    const oldest = this.idle?.takeOldest();
    if (oldest) {
      if (oldest.host === host && (oldest.rtcp === undefined) === rtcpMux) return this.reuse(oldest);
      await this.closePair(oldest.port, oldest.rtp, oldest.rtcp);
      const retry = await this.bindNext(type, host, rtcpMux);
      if (retry) return retry;
    }
    throw new PortRangeExhaustedError(this.low, this.high, this.live, this.pairs);
  }

  /** Closes the pairs kept for reuse; later releases close their sockets. */
  async close(): Promise<void> {
    this.closed = true;
    await this.closeIdle();
  }

  /** Closes the pairs kept for reuse now (the pool goes on keeping later ones). */
  async closeIdle(): Promise<void> {
    const pairs = this.idle?.drain() ?? [];
    await Promise.all(pairs.map((p) => this.closePair(p.port, p.rtp, p.rtcp)));
  }

  private reuse(pair: { port: number; host: string; rtp: Socket; rtcp?: Socket }): PortAllocation {
    this.live++;
    this.reused++;
    return this.allocation(pair.port, pair.host, pair.rtp, pair.rtcp);
  }

  private expire(now: number): void {
    const old = this.idle?.expire(now - this.maxIdleMs);
    if (old) for (const p of old) void this.closePair(p.port, p.rtp, p.rtcp);
  }

  /** Binds the next free pair by the cursor; undefined when every pair was tried. */
  private async bindNext(
    type: 'udp4' | 'udp6',
    host: string,
    rtcpMux: boolean,
  ): Promise<PortAllocation | undefined> {
    for (let tried = 0; tried < this.pairs; tried++) {
      const port = this.firstPort + 2 * this.cursor;
      this.cursor = (this.cursor + 1) % this.pairs;
      if (this.reserved.has(port)) continue;
      // Reserved before the first await, so concurrent calls never try the same pair.
      this.reserved.add(port);
      let rtp: Socket | undefined;
      try {
        rtp = await this.bind(type, host, port);
        const rtcp = rtcpMux ? undefined : await this.bind(type, host, port + 1);
        this.live++;
        return this.allocation(port, host, rtp, rtcp);
      } catch (err) {
        if (rtp) await closeSocket(rtp);
        this.reserved.delete(port);
        if (!isAddressInUse(err)) throw err;
        this.log.debug({ host, port }, 'rtp port pair busy, trying the next');
      }
    }
    return undefined;
  }

  private allocation(port: number, host: string, rtp: Socket, rtcp: Socket | undefined): PortAllocation {
    let released: Promise<void> | undefined;
    const release = (): Promise<void> => {
      if (!released) {
        this.live--;
        released = this.keep(port, host, rtp, rtcp) ? Promise.resolve() : this.closePair(port, rtp, rtcp);
      }
      return released;
    };
    return rtcp ? { port, host, rtp, rtcp, release } : { port, host, rtp, release };
  }

  /** Keeps a released pair bound for reuse: false when reuse is off, full, or a socket is closed. */
  private keep(port: number, host: string, rtp: Socket, rtcp: Socket | undefined): boolean {
    if (!this.idle || this.closed || !isOpen(rtp) || (rtcp && !isOpen(rtcp))) return false;
    const now = this.now();
    this.expire(now);
    // The previous session stops hearing the sockets; what still arrives is dropped.
    rtp.removeAllListeners('message');
    rtcp?.removeAllListeners('message');
    return this.idle.put({ port, host, rtp, ...(rtcp ? { rtcp } : {}), since: now });
  }

  private async closePair(port: number, rtp: Socket, rtcp: Socket | undefined): Promise<void> {
    await Promise.all([closeSocket(rtp), rtcp ? closeSocket(rtcp) : undefined]);
    // Only now may the pair be bound again.
    this.reserved.delete(port);
  }

  private bind(type: 'udp4' | 'udp6', host: string, port: number): Promise<Socket> {
    // reuseAddr false: a port someone else holds must fail, not be shared.
    const socket = createSocket({
      type,
      reuseAddr: false,
      ipv6Only: type === 'udp6',
      lookup: literalLookup,
    });
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        closeSocket(socket).then(() => reject(err));
      };
      socket.once('error', onError);
      socket.once('close', () => closedSockets.add(socket));
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

/** EMFILE (this process) or ENFILE (the system): no socket can be made until one is closed. */
function isOutOfDescriptors(err: unknown): boolean {
  const code = err instanceof Error ? (err as NodeJS.ErrnoException).code : undefined;
  return code === 'EMFILE' || code === 'ENFILE';
}

function isAddressInUse(err: unknown): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
}

/** Sockets of the pool that were closed (by the pool or by their user). */
const closedSockets = new WeakSet<Socket>();

/** Whether the socket is still bound (not closed by its user); no system call. */
function isOpen(socket: Socket): boolean {
  return !closedSockets.has(socket);
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
