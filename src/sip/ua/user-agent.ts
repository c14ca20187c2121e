import { randomUUID } from 'node:crypto';
import { type Clock, systemClock } from '../../util/clock.ts';
import { type Logger, silentLogger } from '../../util/log.ts';
import { DigestClientState } from '../auth/digest-client.ts';
import { ALLOW_HEADER } from '../dialog/capabilities.ts';
import type { Dialog, DialogId } from '../dialog/dialog.ts';
import { applyContent, type MessageContent } from '../dialog/message-content.ts';
import { type HostLookup, resolveTarget } from '../dialog/resolve-target.ts';
import type { UaContext } from '../dialog/ua-context.ts';
import { SipError } from '../errors.ts';
import { SipRequest } from '../message/message.ts';
import { NameAddr } from '../message/name-addr.ts';
import { parseNameAddr, parseUri } from '../message/parser.ts';
import { Uri } from '../message/uri.ts';
import { newTag } from '../transaction/ids.ts';
import { TransactionLayer } from '../transaction/transaction-layer.ts';
import { DEFAULT_TIMERS, type TimerValues } from '../transaction/types.ts';
import { TcpTransport } from '../transport/tcp.ts';
import { TransportLayer, type TransportLayerStats } from '../transport/transport-layer.ts';
import type { Protocol, Target, Transport } from '../transport/types.ts';
import { UdpTransport } from '../transport/udp.ts';
import { type InviteHandler, type RequestHandler, UaCore, type UaCoreStats } from './ua-core.ts';
import { Uac, type UacCallbacks } from './uac.ts';

export interface UserAgentOptions {
  /** Sockets to open: `udp:HOST:PORT`, `tcp:HOST:PORT` (IPv6 in brackets). */
  listen?: readonly string[];
  /** Transports built by the caller (tests: in-memory ones). */
  transports?: readonly Transport[];
  /** Host written into Via and Contact; default each transport's address. */
  publicHost?: string;
  logger?: Logger;
  clock?: Clock;
  timers?: Partial<TimerValues>;
  /**
   * UDP listeners send from a thread of their own (UdpSendThread): the kernel's delivery of
   * each datagram leaves this thread. Default false.
   */
  udpSendThread?: boolean;
  /** Destinations allowed to receive packets (tests: loopback only). */
  egress?: (address: string) => boolean;
  /** Host name resolution for next hops; default dns.lookup. */
  lookup?: HostLookup;
  /** Uniform in [0, 1) for back-offs; default Math.random. */
  random?: () => number;
}

/** What createUAC() sends. Strings are parsed; a parse failure throws a ParseError. */
export interface UacRequestOptions extends MessageContent {
  /** Request-URI. */
  uri: string | Uri;
  /** Default sip:patchbay@<public host>. A tag is added. */
  from?: string | NameAddr;
  /** Default the Request-URI. */
  to?: string | NameAddr;
  callId?: string;
  /** Send the INVITE there instead of resolving its Request-URI (outbound proxy). */
  target?: Target;
  /** Answers one 401/407 with digest. */
  auth?: { username: string; password: string };
  /** User part of our Contact; default the From user. */
  contactUser?: string;
}

export interface UserAgentStats extends UaCoreStats {
  /** Messages that could not be parsed or framed. */
  parseErrors: number;
  /** Messages the transport layer discarded. */
  dropped: number;
}

/**
 * The entry point of the SIP stack for the layers above: transports -> TransportLayer ->
 * TransactionLayer -> UA core -> dialogs. `createUAC()` places a call; `onInvite`,
 * `onOptions`, `onRequest` receive what arrives outside dialogs.
 */
export class UserAgent {
  private readonly transportLayer: TransportLayer;
  private readonly transactions: TransactionLayer;
  private readonly core = new UaCore();
  private readonly ctx: UaContext;
  private readonly transports: readonly Transport[];
  private readonly endpoints: Target[];
  private readonly digest = new DigestClientState();
  private closing?: Promise<void>;

  private constructor(transports: readonly Transport[], opts: UserAgentOptions) {
    const logger = opts.logger ?? silentLogger;
    const clock = opts.clock ?? systemClock;
    const timers: TimerValues = { ...DEFAULT_TIMERS, ...opts.timers };
    this.transports = transports;
    this.transportLayer = new TransportLayer({
      transports: [...transports],
      publicHost: opts.publicHost,
      logger,
      egress: opts.egress,
    });
    this.transactions = new TransactionLayer({ sender: this.transportLayer, clock, timers, logger });
    this.transportLayer.onRequest((req, source) => this.transactions.receiveRequest(req, source));
    this.transportLayer.onResponse((res, source) => this.transactions.receiveResponse(res, source));
    this.transactions.setCore(this.core);
    this.endpoints = this.transportLayer.listening();
    const lookup = opts.lookup;
    this.ctx = {
      transactions: this.transactions,
      clock,
      timers,
      logger,
      dialogs: this.core,
      resolve: (uri) => resolveTarget(uri, lookup),
      contact: (protocol, user) => this.contact(protocol, user),
      random: opts.random ?? Math.random,
    };
    this.core.bind(this.ctx);
  }

  /** Opens the sockets of `listen` (plus the given transports) and wires the layers. */
  static async start(opts: UserAgentOptions): Promise<UserAgent> {
    const transports = [...(opts.transports ?? [])];
    try {
      for (const spec of opts.listen ?? []) {
        transports.push(await openTransport(spec, opts.logger, opts.udpSendThread ?? false));
      }
    } catch (err) {
      await Promise.all(transports.map((t) => t.close()));
      throw err;
    }
    if (transports.length === 0) throw new SipError('TRANSPORT', 'nothing to listen on');
    return new UserAgent(transports, opts);
  }

  /** Where the user agent can be reached (advertised host, bound port). */
  get listening(): readonly Target[] {
    return this.endpoints;
  }

  get transactionCount(): number {
    return this.transactions.size;
  }

  get dialogCount(): number {
    return this.core.dialogCount;
  }

  /** UDP listeners whose datagrams leave from a send thread (see `udpSendThread`). */
  get sendThreads(): number {
    return this.transports.filter((t) => t instanceof UdpTransport && t.threaded).length;
  }

  /** Open sockets: one per transport, plus the connections of stream transports. */
  get socketCount(): number {
    let n = 0;
    for (const t of this.transports) n += 1 + (t instanceof TcpTransport ? t.connectionCount : 0);
    return n;
  }

  get stats(): UserAgentStats {
    const t: TransportLayerStats = this.transportLayer.stats;
    return { ...this.core.stats, parseErrors: t.parseErrors, dropped: t.dropped };
  }

  /** The live dialog with this id (Call-ID, our tag, the peer's tag), if any: Replaces (RFC 3891 3). */
  findDialog(id: DialogId): Dialog | undefined {
    return this.core.find(id.callId, id.localTag, id.remoteTag);
  }

  /** Handles new INVITEs; without a handler they get 480. */
  onInvite(handler: InviteHandler): void {
    this.core.inviteHandler = handler;
  }

  /** Handles OPTIONS outside dialogs; without a handler: 200 with Allow, Accept, Supported. */
  onOptions(handler: RequestHandler): void {
    this.core.optionsHandler = handler;
  }

  /** Handles other requests outside dialogs (MESSAGE, REFER, NOTIFY ...); without a handler: 405. */
  onRequest(handler: RequestHandler): void {
    this.core.requestHandler = handler;
  }

  /**
   * Sends an INVITE. `uac.established` resolves with the dialog on a 2xx (after the ACK)
   * and rejects with a SipError carrying the status (REJECTED 486, CANCELLED 487, TIMEOUT
   * 408 ...); `uac.cancel()` cancels it.
   */
  createUAC(opts: UacRequestOptions | string, callbacks: UacCallbacks = {}): Uac {
    const o: UacRequestOptions = typeof opts === 'string' ? { uri: opts } : opts;
    const uri = typeof o.uri === 'string' ? parseUri(o.uri) : o.uri.clone();
    const from = o.from === undefined ? this.defaultFrom() : asNameAddr(o.from);
    from.tag = newTag();
    const to = o.to === undefined ? new NameAddr(withoutHeaders(uri)) : asNameAddr(o.to);
    to.tag = undefined;
    const invite = new SipRequest('INVITE', uri);
    invite.from = from;
    invite.to = to;
    invite.callId = o.callId ?? randomUUID();
    invite.cseq = { seq: 1 + Math.floor(Math.random() * 0xffff), method: 'INVITE' };
    invite.maxForwards = 70;
    invite.add('Allow', ALLOW_HEADER);
    applyContent(invite, o);
    const uac = new Uac(
      this.ctx,
      this.core,
      invite,
      { target: o.target, auth: o.auth, contactUser: o.contactUser ?? from.uri.user },
      callbacks,
      this.digest,
    );
    uac.start().catch((err: unknown) => this.ctx.logger.error({ err }, 'UAC start failed'));
    return uac;
  }

  /** Ends dialogs and pending INVITEs without signalling, stops every timer, closes the sockets. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.core.shutdown();
      this.transactions.close();
      await this.transportLayer.close();
    })();
    return this.closing;
  }

  /** Our Contact over `protocol`: sip:user@host:port, with ;transport= for other than UDP. */
  private contact(protocol: Protocol, user?: string): NameAddr {
    const ep = this.endpoints.find((e) => e.protocol === protocol) ?? this.endpoints[0];
    const params = new Map<string, string | null>();
    if (ep.protocol !== 'udp') params.set('transport', ep.protocol);
    return new NameAddr(new Uri({ scheme: 'sip', user, host: ep.address, port: ep.port, params }));
  }

  private defaultFrom(): NameAddr {
    return new NameAddr(new Uri({ scheme: 'sip', user: 'patchbay', host: this.endpoints[0].address }));
  }
}

function asNameAddr(v: string | NameAddr): NameAddr {
  return typeof v === 'string' ? parseNameAddr(v) : v.clone();
}

function withoutHeaders(uri: Uri): Uri {
  const u = uri.clone();
  u.headers.clear();
  return u;
}

/** Opens one `udp:HOST:PORT` or `tcp:HOST:PORT` listener. */
async function openTransport(
  spec: string,
  logger: Logger | undefined,
  sendThread: boolean,
): Promise<Transport> {
  const m = /^(udp|tcp):(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(spec);
  if (!m) throw new SipError('TRANSPORT', `expected udp:HOST:PORT or tcp:HOST:PORT, got ${spec}`);
  const address = m[2].startsWith('[') ? m[2].slice(1, -1) : m[2];
  const port = Number(m[3]);
  return m[1] === 'udp'
    ? UdpTransport.bind({ address, port, logger, sendThread })
    : TcpTransport.listen({ address, port, logger });
}
