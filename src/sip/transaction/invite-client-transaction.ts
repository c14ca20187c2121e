import type { TimerHandle } from '../../util/clock.ts';
import { SipError } from '../errors.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import type { Target } from '../transport/types.ts';
import { BaseTransaction, cancelTimer, type TransactionContext } from './base-transaction.ts';
import { createNon2xxAck } from './non-2xx-ack.ts';
import type { ClientTransaction, ClientTransactionUser, InviteClientState } from './types.ts';

const MOVES: Readonly<Record<InviteClientState, readonly InviteClientState[]>> = {
  calling: ['proceeding', 'accepted', 'completed', 'terminated'],
  proceeding: ['accepted', 'completed', 'terminated'],
  accepted: ['terminated'],
  completed: ['terminated'],
  terminated: [],
};

/**
 * INVITE client transaction: RFC 3261 17.1.1 with the Accepted state of RFC 6026 (8.4).
 *
 *                   | INVITE sent; A = T1 (unreliable only), B = 64*T1
 *                   v
 *             +------------+   timer A: resend the INVITE, A = 2*A
 *             |  calling   |
 *             +------------+------------------------------------------+
 *      1xx: to TU |   |  2xx: to TU            timer B (TIMEOUT) or   |
 *                 |   +-----------------+      transport error:       |
 *                 v                     v      TU.onError             |
 *             +------------+  2xx:  +------------+                    |
 *             | proceeding |------->|  accepted  |  2xx: to TU        |
 *             +------------+ to TU  +------------+  (every one)       |
 *   1xx: to TU    |                       | timer M = 64*T1           |
 *                 | 300-699 (here or      v                           |
 *                 | from calling):  +------------+                    |
 *                 | ACK sent, to TU |            |<-------------------+
 *                 v                 | terminated |
 *             +------------+        |            |
 *             | completed  |------->+------------+
 *             +------------+ timer D (0 reliable), transport error
 *   300-699: the ACK again, absorbed
 *
 * The ACK for a 2xx is not part of the transaction: the TU sends it (13.2.2.4).
 */
export class InviteClientTransaction extends BaseTransaction implements ClientTransaction {
  private req: SipRequest | undefined;
  readonly target: Target;
  private readonly user: ClientTransactionUser;
  private current: InviteClientState = 'calling';
  private intervalA: number;
  private timerA?: TimerHandle;
  private timerB?: TimerHandle;
  private timerD?: TimerHandle;
  private timerM?: TimerHandle;
  /** The ACK of the 300-699 response, sent again for each retransmission of that response. */
  private ack?: SipRequest;

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
    this.intervalA = ctx.timers.T1;
  }

  get state(): InviteClientState {
    return this.current;
  }

  /**
   * The INVITE, while it may be sent again (Calling) or answered: once a final response
   * arrived, the transaction lingers (timer M 32 s, timer D) on its key alone.
   */
  get request(): SipRequest {
    return this.req as SipRequest;
  }

  /** Sends the INVITE; timer A only on unreliable transports, timer B always (17.1.1.2). */
  start(): void {
    this.sendRequest(this.request, this.target);
    if (!this.reliable) this.timerA = this.setTimer(this.intervalA, () => this.onTimerA());
    this.timerB = this.setTimer(64 * this.ctx.timers.T1, () => this.onTimerB());
  }

  /** Input: a response that matched this transaction (17.1.3). */
  receiveResponse(res: SipResponse): void {
    const status = res.status;
    switch (this.current) {
      case 'calling':
      case 'proceeding':
        if (status < 200) {
          if (this.current === 'calling') this.transition('proceeding');
          this.deliver(res);
        } else if (status < 300) {
          // RFC 6026 8.4: a 2xx moves to Accepted, so that retransmissions and forked 2xx still reach the TU.
          this.transition('accepted');
          this.deliver(res);
        } else {
          this.ack = createNon2xxAck(this.request, res);
          this.transition('completed');
          this.deliver(res);
          // Timer D is zero on reliable transports (17.1.1.2).
          if (this.reliable && this.state === 'completed') this.terminate();
        }
        return;
      case 'accepted':
        if (status >= 200 && status < 300) this.deliver(res);
        return;
      case 'completed':
        // A retransmitted final: the ACK was lost, send it again; the TU has seen it (17.1.1.2).
        if (status >= 300 && this.ack) this.sendRequest(this.ack, this.target);
        return;
      case 'terminated':
        return;
    }
  }

  destroy(): void {
    if (this.current === 'terminated') return;
    const pending = this.current === 'calling' || this.current === 'proceeding';
    this.terminate(pending ? new SipError('TERMINATED', 'transaction layer closed') : undefined);
  }

  protected onTransportError(err: SipError): void {
    // 17.1.4; RFC 3261 figure 5: from Calling (the INVITE) and Completed (the ACK).
    if (this.current === 'calling' || this.current === 'completed') this.terminate(err);
  }

  private onTimerA(): void {
    if (this.current !== 'calling') return;
    this.sendRequest(this.request, this.target);
    this.intervalA *= 2;
    this.timerA = this.setTimer(this.intervalA, () => this.onTimerA());
  }

  private onTimerB(): void {
    if (this.current !== 'calling') return;
    this.terminate(new SipError('TIMEOUT', 'timer B: no response to the INVITE', 408));
  }

  private onTimerD(): void {
    if (this.current === 'completed') this.terminate();
  }

  private onTimerM(): void {
    if (this.current === 'accepted') this.terminate();
  }

  private transition(to: InviteClientState): void {
    this.assertMove(MOVES, to);
    // Timers A and B belong to Calling only (17.1.1.2).
    if (this.current === 'calling') {
      this.timerA = cancelTimer(this.timerA);
      this.timerB = cancelTimer(this.timerB);
    }
    this.current = to;
    if (to !== 'proceeding') this.req = undefined;
    switch (to) {
      case 'accepted':
        this.timerM = this.setTimer(64 * this.ctx.timers.T1, () => this.onTimerM());
        break;
      case 'completed':
        if (this.ack) this.sendRequest(this.ack, this.target);
        if (!this.reliable) {
          const d = Math.max(this.ctx.timers.D, 64 * this.ctx.timers.T1);
          this.timerD = this.setTimer(d, () => this.onTimerD());
        }
        break;
      case 'terminated':
        this.timerD = cancelTimer(this.timerD);
        this.timerM = cancelTimer(this.timerM);
        this.ctx.release(this);
        break;
    }
  }

  /** Moves to Terminated, then tells the TU why (when it failed) and that it ended. */
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
