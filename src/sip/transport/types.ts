import type { SipError } from '../errors.ts';

/**
 * The contract between transports (UDP, TCP, later TLS and WebSocket) and the layers above.
 * A transport moves whole SIP messages as bytes; it never parses beyond framing.
 */
export type Protocol = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

/** An address on the network: IPv4 or IPv6 literal (IPv6 without brackets), and a port. */
export interface HostPort {
  address: string;
  port: number;
}

/** Where to send a request: the protocol, the resolved address and the port. */
export interface Target extends HostPort {
  protocol: Protocol;
}

/** Where a message came from, so that responses can go back the same way (RFC 3261 18.2.2). */
export interface Source extends Target {
  /** The local address the message arrived on. */
  local: HostPort;
  /** For connection-oriented transports: the connection it arrived on. */
  connectionId?: string;
}

export interface Transport {
  readonly protocol: Protocol;
  /** True for TCP/TLS/WS: no retransmissions of requests (RFC 3261 17.1.1.2, 17.1.2.2). */
  readonly reliable: boolean;
  /** The bound address (the real port when 0 was asked for). */
  readonly local: HostPort;
  /**
   * Sends one framed message. For a connection-oriented transport, `connectionId` asks for
   * a given connection; otherwise an open connection to the address is reused or a new one
   * opened. Rejects with a SipError of code TRANSPORT.
   */
  send(data: Buffer, to: HostPort, connectionId?: string): Promise<void>;
  /** Installs the receiver of complete messages (datagrams, or stream-framed messages). */
  onMessage(handler: (data: Buffer, source: Source) => void): void;
  /** Closes sockets and connections; idempotent. */
  close(): Promise<void>;
}

/**
 * What a stream transport reports when a connection's bytes cannot be framed (RFC 3261
 * 18.3): the error (its `status` is what to answer), the header section when it was
 * complete, and the source. The connection closes once the returned promise settles, so
 * that a 400 written meanwhile still goes out (RFC 4475 3.3.9).
 */
export type StreamErrorHandler = (
  err: SipError,
  head: Buffer | undefined,
  source: Source,
) => Promise<void> | void;

/** Optional capabilities of connection-oriented transports (TCP, TLS, WebSocket). */
export interface StreamTransport extends Transport {
  /** Installs the receiver of framing errors. */
  onStreamError(handler: StreamErrorHandler): void;
  /** Whether the connection of that id is still open (RFC 3261 18.2.2). */
  hasConnection(connectionId: string): boolean;
}

export function isStreamTransport(t: Transport): t is StreamTransport {
  return typeof (t as Partial<StreamTransport>).onStreamError === 'function';
}
