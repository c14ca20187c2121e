import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../../util/clock.ts';
import { type ParseError, SipError } from '../errors.ts';
import { StreamFramer, type StreamFramerLimits, type StreamFramerSink } from './stream-framer.ts';
import type { HostPort, Protocol, Source } from './types.ts';

export type TcpConnectionState = 'connecting' | 'open' | 'closing' | 'closed';

/** What a connection reports to the transport that owns it. */
export interface TcpConnectionOwner {
  connectionMessage(conn: TcpConnection, data: Buffer): void;
  connectionStreamError(conn: TcpConnection, err: ParseError, head: Buffer | undefined): void;
  connectionClosed(conn: TcpConnection, reason: string): void;
}

export interface TcpConnectionOptions {
  id: string;
  protocol: Protocol;
  socket: Socket;
  /** The peer; for an outbound connection, the address it was opened to. */
  remote: HostPort;
  owner: TcpConnectionOwner;
  clock: Clock;
  idleTimeoutMs: number;
  connectTimeoutMs: number;
  closeGraceMs: number;
  maxWriteBufferBytes: number;
  framerLimits?: StreamFramerLimits;
  /** True when we opened it (it starts in `connecting`). */
  outbound: boolean;
}

const LEGAL: Record<TcpConnectionState, readonly TcpConnectionState[]> = {
  connecting: ['open', 'closed'],
  open: ['closing', 'closed'],
  closing: ['closed'],
  closed: [],
};

const PONG = Buffer.from('\r\n', 'latin1');

/**
 * One SIP connection over a stream socket: framing, keep-alives, idle timeout.
 *
 *   connecting --connect--> open --idle / framing error / close()--> closing
 *       |                    |                                          |
 *       +--error, timeout----+---------error, peer close----------------+--> closed
 *
 * In `closing` no more input is read; output already queued (a 400 for the framing error)
 * is flushed, then FIN, and the socket is destroyed after `closeGraceMs` at most.
 */
export class TcpConnection implements StreamFramerSink {
  readonly id: string;
  readonly remote: HostPort;
  private src: Source;
  private stateValue: TcpConnectionState;
  private lastActivity: number;
  private timer: TimerHandle | undefined;
  private readonly framer: StreamFramer;
  private readonly ready: Promise<void> | undefined;
  private closeReason = 'closed';

  constructor(private readonly opts: TcpConnectionOptions) {
    this.id = opts.id;
    this.remote = opts.remote;
    this.stateValue = opts.outbound ? 'connecting' : 'open';
    this.lastActivity = opts.clock.now();
    this.framer = new StreamFramer(this, opts.framerLimits);
    const socket = opts.socket;
    this.src = this.makeSource();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (err) => {
      this.closeReason = err.message;
    });
    socket.on('end', () => {
      // The peer half-closed: nothing more will come; finish our side too.
      if (this.stateValue === 'open') this.close('peer closed');
    });
    socket.on('close', () => this.closed());
    if (opts.outbound) {
      this.ready = new Promise((resolve, reject) => {
        socket.once('connect', () => {
          if (this.stateValue !== 'connecting') return;
          this.src = this.makeSource();
          this.transition('open');
          this.timer?.cancel(); // the connect timeout
          this.armIdle(opts.idleTimeoutMs);
          resolve();
        });
        socket.once('close', () => reject(new SipError('TRANSPORT', `connect failed: ${this.closeReason}`)));
      });
      this.ready.catch(() => {}); // observed by write(); avoid an unhandled rejection
      this.timer = opts.clock.setTimer(opts.connectTimeoutMs, () => {
        if (this.stateValue === 'connecting') this.destroy('connect timeout');
      });
    } else {
      this.armIdle(opts.idleTimeoutMs);
    }
  }

  /** Where this connection's messages come from (RFC 3261 18.2.2 sends responses back here). */
  get source(): Source {
    return this.src;
  }

  get state(): TcpConnectionState {
    return this.stateValue;
  }

  /** Whether a write can still go out (open, or closing with the write side not ended). */
  get writable(): boolean {
    return this.stateValue === 'connecting' || (this.stateValue !== 'closed' && this.opts.socket.writable);
  }

  /** Queues one message; rejects with a TRANSPORT SipError. */
  async write(data: Buffer): Promise<void> {
    if (this.stateValue === 'connecting') await this.ready;
    if (!this.writable) throw new SipError('TRANSPORT', `connection ${this.id} is ${this.stateValue}`);
    const socket = this.opts.socket;
    // A peer that does not read must not make us buffer without bound.
    if (socket.writableLength + data.length > this.opts.maxWriteBufferBytes) {
      this.destroy('write buffer full');
      throw new SipError('TRANSPORT', `connection ${this.id}: peer is not reading`);
    }
    this.lastActivity = this.opts.clock.now();
    socket.write(data);
  }

  /** Stops reading; already queued output is flushed before FIN (when `end`), then the socket goes. */
  close(reason: string, end = true): void {
    if (this.stateValue === 'closed') return;
    this.closeReason = reason;
    if (this.stateValue === 'connecting') {
      this.destroy(reason);
      return;
    }
    if (this.stateValue === 'open') {
      this.transition('closing');
      this.framer.stop();
      this.timer?.cancel();
      this.timer = this.opts.clock.setTimer(this.opts.closeGraceMs, () => this.destroy(reason));
    }
    if (end) this.opts.socket.end();
  }

  /** Closes at once, dropping queued output. */
  destroy(reason: string): void {
    if (this.stateValue === 'closed') return;
    this.closeReason = reason;
    this.opts.socket.destroy();
  }

  // StreamFramerSink
  message(data: Buffer): void {
    this.opts.owner.connectionMessage(this, data);
  }

  keepAlive(): void {
    // RFC 5626 4.4.1: a CRLFCRLF ping is answered with a CRLF pong.
    if (this.opts.socket.writable) this.opts.socket.write(PONG);
  }

  error(err: ParseError, head: Buffer | undefined): void {
    // RFC 4475 3.3.9: framing is lost, the connection must go; the owner may answer first.
    this.close(err.message, false);
    this.opts.owner.connectionStreamError(this, err, head);
  }

  private receive(chunk: Buffer): void {
    if (this.stateValue !== 'open') return;
    this.lastActivity = this.opts.clock.now();
    this.framer.push(chunk);
  }

  /** The idle check runs once per period and re-arms for the time left, not per message. */
  private armIdle(ms: number): void {
    this.timer = this.opts.clock.setTimer(ms, () => {
      if (this.stateValue !== 'open') return;
      const idle = this.opts.clock.now() - this.lastActivity;
      if (idle >= this.opts.idleTimeoutMs) this.close('idle timeout');
      else this.armIdle(this.opts.idleTimeoutMs - idle);
    });
  }

  private closed(): void {
    if (this.stateValue === 'closed') return;
    this.transition('closed');
    this.framer.stop();
    this.timer?.cancel();
    this.timer = undefined;
    this.opts.owner.connectionClosed(this, this.closeReason);
  }

  /** Frozen: every message of the connection shares it. */
  private makeSource(): Source {
    const socket = this.opts.socket;
    return Object.freeze({
      protocol: this.opts.protocol,
      address: this.remote.address,
      port: this.remote.port,
      local: Object.freeze({ address: unmapIpv4(socket.localAddress ?? ''), port: socket.localPort ?? 0 }),
      connectionId: this.id,
    });
  }

  private transition(to: TcpConnectionState): void {
    if (!LEGAL[this.stateValue].includes(to)) {
      throw new SipError('STATE', `tcp connection ${this.id}: ${this.stateValue} -> ${to} is illegal`);
    }
    this.stateValue = to;
  }
}

/** `::ffff:1.2.3.4` (an IPv4 peer on a dual-stack socket) as `1.2.3.4`. */
export function unmapIpv4(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
