import { SipError } from '../../../../src/sip/errors.ts';
import type { WireMessage } from '../../../../src/sip/message/frozen-message.ts';
import { type SipMessage, SipRequest, SipResponse } from '../../../../src/sip/message/message.ts';
import { NameAddr } from '../../../../src/sip/message/name-addr.ts';
import { parseMessage } from '../../../../src/sip/message/parser.ts';
import { createResponse } from '../../../../src/sip/message/response.ts';
import { Uri } from '../../../../src/sip/message/uri.ts';
import { Via } from '../../../../src/sip/message/via.ts';
import type {
  BaseTransaction,
  TransactionContext,
} from '../../../../src/sip/transaction/base-transaction.ts';
import {
  type ClientTransactionUser,
  DEFAULT_TIMERS,
  type MessageSender,
  type ServerTransaction,
  type TransactionCore,
} from '../../../../src/sip/transaction/types.ts';
import type { Protocol, Source, Target } from '../../../../src/sip/transport/types.ts';
import { silentLogger } from '../../../../src/util/log.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';

export const T1 = DEFAULT_TIMERS.T1;
export const T2 = DEFAULT_TIMERS.T2;
export const T4 = DEFAULT_TIMERS.T4;

export function target(protocol: Protocol = 'udp'): Target {
  return { protocol, address: '127.0.0.1', port: 5080 };
}

export function source(protocol: Protocol = 'udp', port = 5080): Source {
  return { protocol, address: '127.0.0.1', port, local: { address: '127.0.0.1', port: 5060 } };
}

interface Sent<M extends SipMessage, W> {
  msg: M;
  where: W;
  at: number;
}

/** A message object as it is, a kept one (FrozenMessage) parsed back from its bytes. */
function asMessage(m: WireMessage): SipMessage {
  return m instanceof SipRequest || m instanceof SipResponse ? m : parseMessage(m.toBuffer());
}

/** A MessageSender that records every send with its time; `fail` makes matching sends reject. */
export class FakeSender implements MessageSender {
  readonly requests: Sent<SipRequest, Target>[] = [];
  readonly responses: Sent<SipResponse, Source>[] = [];
  fail?: (msg: SipMessage) => boolean;

  constructor(private readonly clock: FakeClock) {}

  sendRequest(sent: WireMessage, where: Target): Promise<void> {
    const req = asMessage(sent) as SipRequest;
    this.requests.push({ msg: req, where, at: this.clock.now() });
    return this.result(req);
  }

  sendResponse(sent: WireMessage, where: Source): Promise<void> {
    const res = asMessage(sent) as SipResponse;
    this.responses.push({ msg: res, where, at: this.clock.now() });
    return this.result(res);
  }

  isReliable(protocol: Protocol): boolean {
    return protocol !== 'udp';
  }

  /** Times at which requests of `method` were sent. */
  requestTimes(method: string): number[] {
    return this.requests.filter((s) => s.msg.method === method).map((s) => s.at);
  }

  /** Times at which responses of `status` were sent. */
  responseTimes(status: number): number[] {
    return this.responses.filter((s) => s.msg.status === status).map((s) => s.at);
  }

  statuses(): number[] {
    return this.responses.map((s) => s.msg.status);
  }

  private result(msg: SipMessage): Promise<void> {
    if (this.fail?.(msg)) return Promise.reject(new SipError('TRANSPORT', 'connection refused'));
    return Promise.resolve();
  }
}

/** Lets rejected sends reach the state machines. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A clock, a recording sender, and a context whose `release` records what reached Terminated. */
export function harness(): {
  clock: FakeClock;
  sender: FakeSender;
  ctx: TransactionContext;
  released: BaseTransaction[];
} {
  const clock = new FakeClock();
  const sender = new FakeSender(clock);
  const released: BaseTransaction[] = [];
  const ctx: TransactionContext = {
    sender,
    clock,
    timers: { ...DEFAULT_TIMERS },
    logger: silentLogger,
    release: (tx) => released.push(tx),
  };
  return { clock, sender, ctx, released };
}

export interface RequestInit {
  branch?: string;
  viaHost?: string;
  viaPort?: number;
  transport?: string;
  callId?: string;
  cseq?: number;
  fromTag?: string;
  toTag?: string;
  uri?: Uri;
}

let seq = 0;

/** A request as a peer at 192.0.2.10 would send it: one Via, From with a tag, To without. */
export function request(method: string, init: RequestInit = {}): SipRequest {
  const req = new SipRequest(
    method,
    init.uri ?? new Uri({ scheme: 'sip', user: 'bob', host: 'patchbay.test' }),
  );
  const params = new Map<string, string | null>();
  if (init.branch !== '') params.set('branch', init.branch ?? `z9hG4bKpeer${++seq}`);
  req.via = [
    new Via({
      transport: init.transport ?? 'UDP',
      host: init.viaHost ?? '192.0.2.10',
      port: init.viaPort,
      params,
    }),
  ];
  req.maxForwards = 70;
  req.from = new NameAddr(new Uri({ scheme: 'sip', user: 'alice', host: 'example.test' }), {
    params: new Map([['tag', init.fromTag ?? 'a1']]),
  });
  req.to = new NameAddr(new Uri({ scheme: 'sip', user: 'bob', host: 'patchbay.test' }));
  if (init.toTag) req.to.tag = init.toTag;
  req.callId = init.callId ?? 'call-1@example.test';
  req.cseq = { seq: init.cseq ?? 1, method };
  return req;
}

/** A request as the TU hands it to the layer: no Via yet. */
export function outgoing(method: string): SipRequest {
  const req = request(method);
  req.via = [];
  return req;
}

/** A copy of `req` with another method, same Via/From/To/Call-ID/CSeq number: the CANCEL of 9.1, or an ACK. */
export function sibling(req: SipRequest, method: string, toTag?: string): SipRequest {
  const out = new SipRequest(method, req.uri.clone());
  out.via = [req.via[0].clone()];
  out.maxForwards = 70;
  out.from = req.from.clone();
  out.to = req.to.clone();
  if (toTag) out.to.tag = toTag;
  out.callId = req.callId;
  out.cseq = { seq: req.cseq.seq, method };
  return out;
}

export function response(req: SipRequest, status: number, toTag = 'b1'): SipResponse {
  return createResponse(req, status, { toTag });
}

export class RecordingUser implements ClientTransactionUser {
  readonly responses: SipResponse[] = [];
  readonly errors: SipError[] = [];
  terminated = 0;

  onResponse(res: SipResponse): void {
    this.responses.push(res);
  }

  onError(err: SipError): void {
    this.errors.push(err);
  }

  onTerminated(): void {
    this.terminated++;
  }

  statuses(): number[] {
    return this.responses.map((r) => r.status);
  }
}

export class RecordingCore implements TransactionCore {
  readonly requests: { req: SipRequest; tx: ServerTransaction }[] = [];
  readonly acks: SipRequest[] = [];
  readonly cancels: { cancel: SipRequest; invite: ServerTransaction }[] = [];
  readonly strays: SipResponse[] = [];
  /** What the core does with a new request (default: nothing, the TU answers later). */
  onNew?: (req: SipRequest, tx: ServerTransaction) => void;
  /** What the core does on CANCEL (default: nothing, the layer answers 487). */
  onCancelled?: (cancel: SipRequest, invite: ServerTransaction) => void;

  onRequest(req: SipRequest, tx: ServerTransaction): void {
    this.requests.push({ req, tx });
    this.onNew?.(req, tx);
  }

  onAck(ack: SipRequest): void {
    this.acks.push(ack);
  }

  onCancel(cancel: SipRequest, invite: ServerTransaction): void {
    this.cancels.push({ cancel, invite });
    this.onCancelled?.(cancel, invite);
  }

  onStrayResponse(res: SipResponse): void {
    this.strays.push(res);
  }
}
