import type { Dialog } from '../../../../src/sip/dialog/dialog.ts';
import { resolveTarget } from '../../../../src/sip/dialog/resolve-target.ts';
import type { UaContext } from '../../../../src/sip/dialog/ua-context.ts';
import type { WireMessage } from '../../../../src/sip/message/frozen-message.ts';
import { SipRequest, type SipResponse } from '../../../../src/sip/message/message.ts';
import { NameAddr } from '../../../../src/sip/message/name-addr.ts';
import { Uri } from '../../../../src/sip/message/uri.ts';
import { Via } from '../../../../src/sip/message/via.ts';
import {
  type ClientTransaction,
  type ClientTransactionUser,
  DEFAULT_TIMERS,
  type ServerTransaction,
  type TransactionCore,
  type TransactionLayerApi,
} from '../../../../src/sip/transaction/types.ts';
import type { Source, Target } from '../../../../src/sip/transport/types.ts';
import { silentLogger } from '../../../../src/util/log.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';

export interface SentRequest {
  req: SipRequest;
  target: Target;
  user: ClientTransactionUser;
}

/** A transaction layer that records what the dialog layer asks of it. */
export class FakeTransactions implements TransactionLayerApi {
  readonly sent: SentRequest[] = [];
  readonly stateless: { req: SipRequest; target: Target }[] = [];
  /** What sendAgain() sent: kept messages (a late 2xx's ACK). */
  readonly again: { req: WireMessage; target: Target }[] = [];
  readonly statelessResponses: SipResponse[] = [];
  readonly size = 0;
  setCore(_core: TransactionCore): void {}
  sendRequest(req: SipRequest, target: Target, user: ClientTransactionUser): ClientTransaction {
    this.sent.push({ req, target, user });
    return { id: String(this.sent.length), request: req, target, state: 'trying' };
  }
  sendStateless(req: SipRequest, target: Target): Promise<void> {
    this.stateless.push({ req, target });
    return Promise.resolve();
  }
  sendAgain(req: WireMessage, target: Target): Promise<void> {
    this.again.push({ req, target });
    return Promise.resolve();
  }
  sendResponseStateless(res: SipResponse): Promise<void> {
    this.statelessResponses.push(res);
    return Promise.resolve();
  }
  receiveRequest(): void {}
  receiveResponse(): void {}
  close(): void {}
}

export const SOURCE: Source = {
  protocol: 'udp',
  address: '127.0.0.1',
  port: 5070,
  local: { address: '127.0.0.1', port: 5080 },
};

/** A server transaction that records its responses. */
export class FakeServerTx implements ServerTransaction {
  readonly responses: SipResponse[] = [];
  readonly id = 'tx';
  state: ServerTransaction['state'] = 'trying';
  readonly source = SOURCE;
  constructor(readonly request: SipRequest) {}
  respond(res: SipResponse): void {
    this.responses.push(res);
    if (res.status >= 200) this.state = 'completed';
  }
  onTerminated(): void {}
  get last(): SipResponse | undefined {
    return this.responses.at(-1);
  }
}

export interface FakeUa {
  ctx: UaContext;
  clock: FakeClock;
  transactions: FakeTransactions;
  dialogs: Map<string, Dialog>;
}

export function fakeUa(): FakeUa {
  const clock = new FakeClock();
  const transactions = new FakeTransactions();
  const dialogs = new Map<string, Dialog>();
  const ctx: UaContext = {
    transactions,
    clock,
    timers: DEFAULT_TIMERS,
    logger: silentLogger,
    dialogs: { add: (d) => dialogs.set(d.key, d), remove: (d) => dialogs.delete(d.key) },
    resolve: (uri) =>
      resolveTarget(uri, async (host) => (host === 'proxy.example' ? '127.0.0.9' : '127.0.0.8')),
    contact: (protocol, user) =>
      new NameAddr(
        new Uri({
          scheme: 'sip',
          user,
          host: '127.0.0.1',
          port: 5080,
          params: protocol === 'udp' ? new Map() : new Map([['transport', protocol]]),
        }),
      ),
    random: () => 0.5,
  };
  return { ctx, clock, transactions, dialogs };
}

export function sipUri(
  user: string | undefined,
  host: string,
  port?: number,
  params: [string, string | null][] = [],
) {
  return new Uri({ scheme: 'sip', user, host, port, params: new Map(params) });
}

/** An INVITE from 127.0.0.1:5070 as a UAS would receive it. */
export function incomingInvite(opts: { recordRoute?: NameAddr[]; seq?: number } = {}): SipRequest {
  const req = new SipRequest('INVITE', sipUri('bob', '127.0.0.1', 5080));
  req.via = [
    new Via({ transport: 'UDP', host: '127.0.0.1', port: 5070, params: new Map([['branch', 'z9hG4bKa']]) }),
  ];
  req.from = new NameAddr(sipUri('alice', 'example.com'), { params: new Map([['tag', 'atag']]) });
  req.to = new NameAddr(sipUri('bob', 'example.com'));
  req.callId = 'call-1';
  req.cseq = { seq: opts.seq ?? 10, method: 'INVITE' };
  req.maxForwards = 70;
  req.contact = [new NameAddr(sipUri('alice', '127.0.0.1', 5070))];
  req.recordRoute = opts.recordRoute ?? [];
  return req;
}

/** A request the peer sends inside the dialog established by incomingInvite(). */
export function inDialogFromPeer(method: string, seq: number, toTag: string): SipRequest {
  const req = new SipRequest(method, sipUri('bob', '127.0.0.1', 5080));
  req.via = [
    new Via({
      transport: 'UDP',
      host: '127.0.0.1',
      port: 5070,
      params: new Map([['branch', `z9hG4bK${seq}`]]),
    }),
  ];
  req.from = new NameAddr(sipUri('alice', 'example.com'), { params: new Map([['tag', 'atag']]) });
  req.to = new NameAddr(sipUri('bob', 'example.com'), { params: new Map([['tag', toTag]]) });
  req.callId = 'call-1';
  req.cseq = { seq, method };
  req.maxForwards = 70;
  return req;
}
