import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { type Logger, silentLogger } from '../../util/log.ts';
import { LogThrottle } from '../../util/log-throttle.ts';
import { SipError } from '../errors.ts';
import type { WireMessage } from '../message/frozen-message.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import { MessageParseError, parseMessage } from '../message/parser.ts';
import type { MessageSender } from '../transaction/types.ts';
import { errorResponse } from './error-response.ts';
import {
  type HostPort,
  isStreamTransport,
  type Protocol,
  type Source,
  type Target,
  type Transport,
} from './types.ts';
import { responseDestination, stampReceived } from './via-routing.ts';

export interface TransportLayerOptions {
  transports: Transport[];
  /** Host written into Via sent-by (and used by Contact builders); default each transport's bound address. */
  publicHost?: string;
  logger?: Logger;
  /** Destinations allowed to receive packets; a refused one is logged, counted and fails the send. */
  egress?: (address: string) => boolean;
  limits?: TransportLayerLimits;
}

export interface TransportLayerLimits {
  /** Larger inbound messages are dropped unparsed. Default: no limit beyond the transports' own (UDP 64 KiB, TCP framer limits). */
  maxMessageBytes?: number;
}

/** Counters: tests assert on them, metrics export them. */
export interface TransportLayerStats {
  received: number;
  /** Messages (or stream sections) that could not be parsed or framed. */
  parseErrors: number;
  /** Of those, the ones answered with an error response (400, 505, 413, 513). */
  rejected: number;
  /** Messages discarded: unanswerable parse errors, responses without Via, oversized. */
  dropped: number;
  sent: number;
  sendErrors: number;
  egressRefused: number;
  /** Exceptions thrown by the request/response handlers (caught). */
  handlerErrors: number;
}

export type RequestHandler = (req: SipRequest, source: Source) => void;
export type ResponseHandler = (res: SipResponse, source: Source) => void;

/** A target that may name the connection to use (a Source is one). */
export type SendTarget = Target & { connectionId?: string };

/**
 * The transport layer of RFC 3261 18: owns the transports, parses what they deliver,
 * stamps received/rport on requests, checks responses, fills the sent-by of outgoing
 * requests and routes responses by their top Via. Nothing a peer sends escapes as an
 * exception: it becomes an error response or a logged, counted drop.
 */
export class TransportLayer implements MessageSender {
  readonly stats: TransportLayerStats = {
    received: 0,
    parseErrors: 0,
    rejected: 0,
    dropped: 0,
    sent: 0,
    sendErrors: 0,
    egressRefused: 0,
    handlerErrors: 0,
  };
  private readonly transports: Transport[];
  private readonly advertised = new Map<Transport, string>();
  private readonly log: Logger;
  private readonly egress: ((address: string) => boolean) | undefined;
  private readonly maxMessageBytes: number;
  /** Bad input is logged, but a flood of it may not flood the log. */
  private readonly dropLog = new LogThrottle();
  private requestHandler: RequestHandler = () => {};
  private responseHandler: ResponseHandler = () => {};

  constructor(opts: TransportLayerOptions) {
    this.transports = [...opts.transports];
    this.log = opts.logger ?? silentLogger;
    this.egress = opts.egress;
    this.maxMessageBytes = opts.limits?.maxMessageBytes ?? Number.POSITIVE_INFINITY;
    for (const t of this.transports) {
      this.advertised.set(t, advertisedHost(t.local.address, opts.publicHost));
      t.onMessage((data, source) => this.receive(t, data, source));
      if (isStreamTransport(t)) t.onStreamError((err, head, source) => this.streamError(err, head, source));
    }
  }

  onRequest(handler: RequestHandler): void {
    this.requestHandler = handler;
  }

  onResponse(handler: ResponseHandler): void {
    this.responseHandler = handler;
  }

  isReliable(protocol: Protocol): boolean {
    return protocol !== 'udp';
  }

  /** Where each transport can be reached, with the advertised host: for Contact. */
  listening(): Target[] {
    return this.transports.map((t) => ({
      protocol: t.protocol,
      address: this.advertised.get(t) ?? t.local.address,
      port: t.local.port,
    }));
  }

  /**
   * Sends a request over the transport of `target.protocol` in the target's address
   * family. A top Via with an empty host gets this transport's sent-by (RFC 3261 18.1.1).
   */
  async sendRequest(req: WireMessage, target: SendTarget): Promise<void> {
    const address = bare(target.address);
    const t = this.pick(target.protocol, address);
    const via = req.via[0];
    if (via && via.host === '') {
      via.host = this.advertised.get(t) ?? t.local.address;
      via.port = t.local.port;
      via.transport = t.protocol.toUpperCase();
    }
    await this.transmit(t, req.toBuffer(), { address, port: target.port }, target.connectionId);
  }

  /**
   * Sends a response the way RFC 3261 18.2.2 and RFC 3581 4 say: reliable transports use
   * the request's connection while it is open, else a new one to received:sent-by port;
   * unreliable ones go to maddr, received:rport, received:sent-by port or sent-by.
   */
  async sendResponse(res: WireMessage, source: Source): Promise<void> {
    const via = res.via[0];
    if (!via) throw new SipError('TRANSPORT', 'response has no Via');
    const reliable = this.isReliable(source.protocol);
    const dest = responseDestination(via, source, reliable);
    const address = bare(dest.address);
    let t: Transport | undefined;
    const id = reliable ? source.connectionId : undefined;
    if (id !== undefined) t = this.transports.find((x) => isStreamTransport(x) && x.hasConnection(id));
    // RFC 3581 4: the response leaves from where the request arrived.
    t ??= this.transports.find(
      (x) =>
        x.protocol === source.protocol &&
        x.local.port === source.local.port &&
        x.local.address === source.local.address &&
        isIP(address) === isIP(x.local.address),
    );
    t ??= this.pick(source.protocol, address);
    await this.transmit(t, res.toBuffer(), { address, port: dest.port }, id);
  }

  async close(): Promise<void> {
    await Promise.all(this.transports.map((t) => t.close()));
  }

  private async transmit(t: Transport, data: Buffer, to: HostPort, connectionId?: string): Promise<void> {
    if (this.egress && !this.egress(to.address)) {
      this.stats.egressRefused++;
      this.log.warn({ to, protocol: t.protocol }, 'egress refused: not sent');
      throw new SipError('TRANSPORT', `egress to ${to.address} refused`);
    }
    try {
      await t.send(data, to, connectionId);
      this.stats.sent++;
    } catch (err) {
      this.stats.sendErrors++;
      if (err instanceof SipError) throw err;
      throw new SipError('TRANSPORT', `send to ${to.address}:${to.port} failed: ${String(err)}`);
    }
  }

  /** The transport of that protocol in the family of `address`. */
  private pick(protocol: Protocol, address: string): Transport {
    const family = isIP(address);
    if (family === 0) throw new SipError('TRANSPORT', `not an IP address: ${address}`);
    const t = this.transports.find((x) => x.protocol === protocol && isIP(x.local.address) === family);
    if (!t) throw new SipError('TRANSPORT', `no ${protocol} transport for IPv${family}`);
    return t;
  }

  private receive(t: Transport, data: Buffer, source: Source): void {
    this.stats.received++;
    if (data.length > this.maxMessageBytes) {
      this.stats.dropped++;
      if (this.dropLog.allow(this.reportSuppressed))
        this.log.warn({ source, size: data.length }, 'message too large: dropped');
      return;
    }
    let msg: SipRequest | SipResponse;
    try {
      msg = parseMessage(data, { datagram: !t.reliable });
    } catch (err) {
      void this.parseFailed(err, undefined, source);
      return;
    }
    try {
      if (msg.isRequest()) this.inboundRequest(msg, source);
      else this.inboundResponse(msg, source);
    } catch (err) {
      this.stats.handlerErrors++;
      this.log.error({ err, source }, 'message handler threw');
    }
  }

  private inboundRequest(req: SipRequest, source: Source): void {
    const via = req.via[0];
    if (!via) {
      this.drop(source, 'request without Via');
      return;
    }
    stampReceived(via, source);
    this.requestHandler(req, source);
  }

  private inboundResponse(res: SipResponse, source: Source): void {
    // RFC 3261 18.1.2: a response that names no sender in its top Via is not ours.
    if (res.via.length === 0) {
      this.drop(source, 'response without Via');
      return;
    }
    this.responseHandler(res, source);
  }

  /** A stream that lost framing (18.3): answer from the header section when possible. */
  private streamError(err: SipError, head: Buffer | undefined, source: Source): Promise<void> | undefined {
    if (!head) {
      this.stats.parseErrors++;
      this.drop(source, err.message);
      return undefined;
    }
    let req: SipRequest | undefined;
    try {
      const msg = parseMessage(head, { datagram: true });
      if (msg.isRequest()) req = msg;
    } catch (e) {
      if (e instanceof MessageParseError && !e.isResponse) req = e.partial;
    }
    return this.parseFailed(err, req ?? null, source);
  }

  /**
   * A message that could not be parsed (or framed): a request with a usable partial gets
   * `status` with the defect as reason phrase; anything else is dropped and counted.
   * `partial` undefined means: take it from the error.
   */
  private parseFailed(
    err: unknown,
    partial: SipRequest | null | undefined,
    source: Source,
  ): Promise<void> | undefined {
    this.stats.parseErrors++;
    const reason = err instanceof Error ? err.message : String(err);
    let req = partial ?? undefined;
    if (partial === undefined && err instanceof MessageParseError && !err.isResponse) req = err.partial;
    const status = err instanceof SipError && err.status ? err.status : 400;
    let res: SipResponse | undefined;
    if (req && req.method !== 'ACK' && req.via[0]) {
      stampReceived(req.via[0], source);
      res = errorResponse(req, status, reason);
    }
    if (!res) {
      this.drop(source, reason);
      return undefined;
    }
    this.stats.rejected++;
    if (this.dropLog.allow(this.reportSuppressed))
      this.log.info({ source, status, reason }, 'unparsable request answered');
    return this.sendResponse(res, source).catch((e: unknown) => {
      this.log.warn({ err: e, source }, 'could not send the error response');
    });
  }

  private drop(source: Source, reason: string): void {
    this.stats.dropped++;
    if (this.dropLog.allow(this.reportSuppressed)) this.log.warn({ source, reason }, 'message dropped');
  }

  private readonly reportSuppressed = (count: number): void => {
    this.log.warn({ count }, 'more bad messages were dropped or answered without a log line');
  };
}

/** IPv6 literals may come bracketed from a Via parameter. */
function bare(address: string): string {
  return address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
}

function advertisedHost(bound: string, publicHost: string | undefined): string {
  const family = isIP(bound);
  if (publicHost) {
    const f = isIP(publicHost);
    if (f === 0 || f === family) return publicHost;
  }
  if (bound !== '0.0.0.0' && bound !== '::') return bound;
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (!a.internal && (a.family === 'IPv6' ? 6 : 4) === family) return a.address;
    }
  }
  return family === 6 ? '::1' : '127.0.0.1';
}
