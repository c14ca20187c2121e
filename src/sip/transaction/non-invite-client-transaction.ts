import type { TimerHandle } from '../../util/clock.ts';
import { SipError } from '../errors.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import type { Target } from '../transport/types.ts';
import { BaseTransaction, cancelTimer, type TransactionContext } from './base-transaction.ts';
import type { ClientTransaction, ClientTransactionUser, NonInviteClientState } from './types.ts';

const MOVES: Readonly<Record<NonInviteClientState, readonly NonInviteClientState[]>> = {
  trying: ['proceeding', 'completed', 'terminated'],
  proceeding: ['completed', 'terminated'],
  completed: ['terminated'],
  terminated: [],
};

/**
 * Non-INVITE client transaction (RFC 3261 17.1.2).
 *
 *                      | request sent; E = T1 (unreliable only), F = 64*T1
 *                      v
 *                +------------+   timer F (TIMEOUT) or transport error:
 *                |   trying   |---------------------------------------+
 *                +------------+   TU.onError                          |
 *  (timer E: resend,  |    |                                          |
 *   E = min(2E, T2))  |    +-------------------+ 200-699: to TU       |
 *          1xx: to TU |                        |                      |
 *                     v                        |                      |
 *                +------------+   timer F / transport error           |
 *                | proceeding |---------------------------------------+
 *                +------------+                |                      |
 *  (timer E: resend,   | 200-699:              |                      |
 *   E = T2; 1xx: to TU)| to TU                 |                      |
 *                      v                       v                      v
 *                +--------------------------------+  timer K   +------------+
 *                |           completed            |----------->| terminated |
 *                +--------------------------------+ (T4; 0 if  +------------+
 *                 (any response: absorbed)            reliable)
 */
/** The TU of a transaction that has nothing more to tell it. */
const DONE: ClientTransactionUser = { onResponse() {}, onError() {} };

export class NonInviteClientTransaction extends BaseTransaction implements ClientTransaction {
  private req: SipRequest | undefined;
  readonly target: Target;
  private user: ClientTransactionUser;
  private current: NonInviteClientState = 'trying';
  private intervalE: number;
  private timerE?: TimerHandle;
  private timerF?: TimerHandle;
  private timerK?: TimerHandle;

  constructor(
    ctx: TransactionContext,
    id: string,
    request: SipRequest,
    target: Target,
    user: ClientTransactionUser,
  ) {
    super(ctx, id, target.protocol);
    this.req = request;
    this.target = target;
    this.user = user;
    this.intervalE = ctx.timers.T1;
  }

  get state(): NonInviteClientState {
    return this.current;
  }

  /** The request, until a final response (or the end) leaves nothing to send again. */
  get request(): SipRequest {
    return this.req as SipRequest;
  }

  /** Sends the request; timer E only on unreliable transports, timer F always (17.1.2.2). */
  start(): void {
    this.sendRequest(this.request, this.target);
    if (!this.reliable) this.timerE = this.setTimer(this.intervalE, () => this.onTimerE());
    this.timerF = this.setTimer(64 * this.ctx.timers.T1, () => this.onTimerF());
  }

  /** Input: a response that matched this transaction (17.1.3). */
  receiveResponse(res: SipResponse): void {
    if (this.current !== 'trying' && this.current !== 'proceeding') return; // Completed absorbs them
    if (res.status < 200) {
      if (this.current === 'trying') this.transition('proceeding');
      this.deliver(res);
      return;
    }
    this.transition('completed');
    this.deliver(res);
    // Timer K is zero on reliable transports (17.1.2.2).
    if (this.reliable && this.state === 'completed') this.terminate();
    else this.keepEndOnly();
  }

  /**
   * Completed passes nothing more up but the end: the TU's callbacks (and the promise they
   * settled, with the final response) are let go for timer K, all but onTerminated.
   */
  private keepEndOnly(): void {
    const user = this.user;
    const onTerminated = user.onTerminated;
    this.user = onTerminated
      ? { onResponse() {}, onError() {}, onTerminated: () => onTerminated.call(user) }
      : DONE;
  }

  destroy(): void {
    if (this.current === 'terminated') return;
    const pending = this.current !== 'completed';
    this.terminate(pending ? new SipError('TERMINATED', 'transaction layer closed') : undefined);
  }

  protected onTransportError(err: SipError): void {
    // 17.1.4; RFC 3261 figure 6: from Trying and Proceeding.
    if (this.current === 'trying' || this.current === 'proceeding') this.terminate(err);
  }

  private onTimerE(): void {
    if (this.current !== 'trying' && this.current !== 'proceeding') return;
    this.sendRequest(this.request, this.target);
    // Trying doubles up to T2; in Proceeding a provisional came, so retransmit every T2 (17.1.2.2).
    const T2 = this.ctx.timers.T2;
    this.intervalE = this.current === 'trying' ? Math.min(2 * this.intervalE, T2) : T2;
    this.timerE = this.setTimer(this.intervalE, () => this.onTimerE());
  }

  private onTimerF(): void {
    if (this.current !== 'trying' && this.current !== 'proceeding') return;
    this.terminate(new SipError('TIMEOUT', `timer F: no final response to ${this.request.method}`, 408));
  }

  private onTimerK(): void {
    if (this.current === 'completed') this.terminate();
  }

  private transition(to: NonInviteClientState): void {
    this.assertMove(MOVES, to);
    this.current = to;
    if (to === 'completed' || to === 'terminated') {
      this.req = undefined; // what lingers (timer K) needs the key alone
      // Timers E and F end with a final response or the end of the transaction.
      this.timerE = cancelTimer(this.timerE);
      this.timerF = cancelTimer(this.timerF);
    }
    if (to === 'completed' && !this.reliable) {
      this.timerK = this.setTimer(this.ctx.timers.T4, () => this.onTimerK());
    } else if (to === 'terminated') {
      this.timerK = cancelTimer(this.timerK);
      this.ctx.release(this);
    }
  }

  private terminate(err?: SipError): void {
    this.transition('terminated');
    this.notifyEnd(this.user, err);
  }

  private deliver(res: SipResponse): void {
    try {
      this.user.onResponse(res);
    } catch (e) {
      this.userThrew(e);
    }
  }
}
