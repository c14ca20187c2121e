import type { TimerHandle } from '../../util/clock.ts';
import { ownOptional } from '../../util/own-string.ts';
import { SipError } from '../errors.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import { createResponse } from '../message/response.ts';
import type { Source } from '../transport/types.ts';
import { cancelTimer, type TransactionContext } from './base-transaction.ts';
import { ServerTransactionBase } from './server-transaction-base.ts';
import type { InviteServerState } from './types.ts';

/**
 * How long the transaction waits for the TU's first response before it sends 100 Trying
 * itself (RFC 3261 17.2.1 lets it skip the 100 when the TU answers within 200 ms). A TU
 * that sends 180 or a final at once saves a datagram each way per call.
 */
export const TRYING_DELAY_MS = 200;

const MOVES: Readonly<Record<InviteServerState, readonly InviteServerState[]>> = {
  proceeding: ['accepted', 'completed', 'terminated'],
  accepted: ['terminated'],
  completed: ['confirmed', 'terminated'],
  confirmed: ['terminated'],
  terminated: [],
};

/**
 * INVITE server transaction: RFC 3261 17.2.1 with the Accepted state of RFC 6026 (8.5-8.7).
 *
 *                       | INVITE received: to the TU; 100 Trying unless the TU
 *                       v  responds within 200 ms (or the INVITE comes again)
 *                 +------------+  (1xx from TU: sent;
 *                 | proceeding |   INVITE again: the last provisional resent)
 *                 +------------+---------------------------------------------+
 *      2xx from TU: |     |        transport error: TU told                   |
 *      sent         |     | 300-699 from TU: sent; G = T1 (unreliable),       |
 *                   |     | H = 64*T1                                         |
 *                   v     v                                                   |
 *       +----------+    +------------+  (timer G: resend, G = min(2G, T2);    |
 *       | accepted |    | completed  |   INVITE again: the final resent)      |
 *       +----------+    +------------+----------------------------------------+
 *  (INVITE again:  |          | ACK       timer H (TIMEOUT), transport error: |
 *   absorbed; ACK: |          v           TU told                             |
 *   to the core;   |    +------------+  (ACK again: absorbed)                 |
 *   2xx from TU:   |    | confirmed  |                                        |
 *   sent)          |    +------------+                                        |
 *  timer L = 64*T1 |          | timer I (T4; 0 reliable)                      v
 *                  +----------+-----------------------------------------> terminated
 *
 * The TU retransmits its 2xx itself (13.3.1.4); the layer hands the ACK of a 2xx to the core.
 */
export class InviteServerTransaction extends ServerTransactionBase {
  private current: InviteServerState = 'proceeding';
  private intervalG: number;
  private timerG?: TimerHandle;
  private timerH?: TimerHandle;
  private timerI?: TimerHandle;
  private timerL?: TimerHandle;
  private timerTrying?: TimerHandle;

  constructor(ctx: TransactionContext, id: string, request: SipRequest, source: Source) {
    super(ctx, id, request, source);
    this.intervalG = ctx.timers.T1;
  }

  get state(): InviteServerState {
    return this.current;
  }

  /**
   * Arms the 100 Trying: sent if the TU has not responded within TRYING_DELAY_MS (17.2.1),
   * well before the client's timer A (T1) would retransmit the INVITE.
   */
  start(): void {
    this.timerTrying = this.setTimer(TRYING_DELAY_MS, () => this.sendTrying());
  }

  /** 100 Trying: no To tag (8.2.6.2); a Timestamp is copied back (8.2.6.1). */
  private sendTrying(): void {
    this.timerTrying = undefined;
    if (this.current !== 'proceeding' || this.last) return;
    const trying = createResponse(this.request, 100);
    const ts = this.request.get('Timestamp');
    if (ts !== undefined) trying.set('Timestamp', ts);
    this.last = trying;
    this.sendResponse(trying, this.source);
  }

  respond(res: SipResponse): void {
    const status = res.status;
    if (this.current === 'proceeding') {
      this.timerTrying = cancelTimer(this.timerTrying);
      this.last = res;
      this.sendResponse(res, this.source);
      if (status >= 300) this.transition('completed');
      else if (status >= 200) this.transition('accepted');
      return;
    }
    if (this.current === 'accepted' && status >= 200 && status < 300) {
      // RFC 6026 8.7: a 2xx from the TU in Accepted goes to the transport.
      this.sendResponse(res, this.source);
      return;
    }
    if (this.ctx.logger.isLevelEnabled('debug')) {
      this.ctx.logger.debug({ tx: this.id, state: this.current, status }, 'response discarded');
    }
  }

  /** Input: a retransmission of the INVITE. */
  receiveRequest(_req: SipRequest): void {
    // Proceeding: the last provisional again (the 100 now if nothing was sent yet: the
    // client is retransmitting); Completed: the final again (17.2.1). Accepted (RFC 6026
    // 8.6) and Confirmed absorb it.
    if (this.current === 'proceeding' && !this.last) {
      this.timerTrying = cancelTimer(this.timerTrying);
      this.sendTrying();
    } else if (this.current === 'proceeding' || this.current === 'completed') this.resend();
  }

  /** Input: an ACK matching this transaction, i.e. for a 300-699 response (17.2.1). */
  receiveAck(): void {
    if (this.current !== 'completed') return; // Confirmed absorbs retransmitted ACKs
    this.transition('confirmed');
    // Timer I is zero on reliable transports.
    if (this.reliable) this.terminate();
  }

  destroy(): void {
    if (this.current === 'terminated') return;
    this.terminate(
      this.current === 'proceeding' ? new SipError('TERMINATED', 'transaction layer closed') : undefined,
    );
  }

  protected onTransportError(err: SipError): void {
    // 17.2.4. RFC 6026 8.7: in Accepted the transaction stays; the TU's own 2xx
    // retransmissions (sendResponseStateless) and its ACK wait report the failure.
    if (this.current === 'proceeding' || this.current === 'completed') this.terminate(err);
    else if (this.ctx.logger.isLevelEnabled('debug')) {
      this.ctx.logger.debug({ tx: this.id, state: this.current, err }, 'transport error absorbed');
    }
  }

  private onTimerG(): void {
    if (this.current !== 'completed') return;
    this.resend();
    this.intervalG = Math.min(2 * this.intervalG, this.ctx.timers.T2);
    this.timerG = this.setTimer(this.intervalG, () => this.onTimerG());
  }

  private onTimerH(): void {
    if (this.current !== 'completed') return;
    this.terminate(new SipError('TIMEOUT', 'timer H: no ACK for the final response'));
  }

  private onTimerI(): void {
    if (this.current === 'confirmed') this.terminate();
  }

  private onTimerL(): void {
    if (this.current === 'accepted') this.terminate();
  }

  private transition(to: InviteServerState): void {
    this.assertMove(MOVES, to);
    if (this.current === 'completed') {
      this.timerG = cancelTimer(this.timerG);
      this.timerH = cancelTimer(this.timerH);
    }
    this.current = to;
    const T1 = this.ctx.timers.T1;
    switch (to) {
      case 'accepted':
        // Accepted resends nothing (the TU retransmits its 2xx, RFC 6026 8.7): the transaction
        // lingers 64*T1 with only what absorbs retransmissions, not the 2xx and its SDP.
        this.forgottenTag = ownOptional(this.last?.to.tag);
        this.last = undefined;
        this.forgetRequest();
        this.timerL = this.setTimer(64 * T1, () => this.onTimerL());
        break;
      case 'completed':
        this.forgetRequest();
        if (!this.reliable) this.timerG = this.setTimer(this.intervalG, () => this.onTimerG());
        this.timerH = this.setTimer(64 * T1, () => this.onTimerH());
        break;
      case 'confirmed':
        if (!this.reliable) this.timerI = this.setTimer(this.ctx.timers.T4, () => this.onTimerI());
        break;
      case 'terminated':
        this.timerTrying = cancelTimer(this.timerTrying);
        this.timerI = cancelTimer(this.timerI);
        this.timerL = cancelTimer(this.timerL);
        this.ctx.release(this);
        break;
    }
  }

  private terminate(err?: SipError): void {
    this.transition('terminated');
    this.finish(err);
  }
}
