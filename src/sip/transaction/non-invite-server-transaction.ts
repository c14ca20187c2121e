import type { TimerHandle } from '../../util/clock.ts';
import { SipError } from '../errors.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import type { Source } from '../transport/types.ts';
import { cancelTimer, type TransactionContext } from './base-transaction.ts';
import { ServerTransactionBase } from './server-transaction-base.ts';
import type { NonInviteServerState } from './types.ts';

const MOVES: Readonly<Record<NonInviteServerState, readonly NonInviteServerState[]>> = {
  trying: ['proceeding', 'completed', 'terminated'],
  proceeding: ['completed', 'terminated'],
  completed: ['terminated'],
  terminated: [],
};

/**
 * Non-INVITE server transaction (RFC 3261 17.2.2).
 *
 *                      | request received, to the TU
 *                      v
 *                +------------+  (request again: absorbed)
 *                |   trying   |
 *                +------------+
 *   1xx from TU: |          | 200-699 from TU: sent
 *   sent         v          |
 *         +------------+    |    (1xx from TU: sent; request again:
 *         | proceeding |    |     the last provisional resent)
 *         +------------+----+--------------------------------------------+
 *   200-699 from |          |    transport error: TU told                 |
 *   TU: sent     v          v                                             |
 *              +---------------+  (request again: the final resent;       |
 *              |   completed   |   final from TU: discarded)              |
 *              +---------------+------------------------------------------+
 *                      |          transport error: TU told                |
 *                      | timer J (64*T1; 0 reliable)                      v
 *                      +-------------------------------------------> terminated
 */
export class NonInviteServerTransaction extends ServerTransactionBase {
  private current: NonInviteServerState = 'trying';
  private timerJ?: TimerHandle;

  constructor(ctx: TransactionContext, id: string, request: SipRequest, source: Source) {
    super(ctx, id, request, source);
  }

  get state(): NonInviteServerState {
    return this.current;
  }

  respond(res: SipResponse): void {
    if (this.current !== 'trying' && this.current !== 'proceeding') {
      // 17.2.2: further finals from the TU are discarded in Completed.
      if (this.ctx.logger.isLevelEnabled('debug')) {
        this.ctx.logger.debug({ tx: this.id, state: this.current, status: res.status }, 'response discarded');
      }
      return;
    }
    this.last = res;
    this.sendResponse(res, this.source);
    if (res.status < 200) {
      if (this.current === 'trying') this.transition('proceeding');
      return;
    }
    this.transition('completed');
    // Timer J is zero on reliable transports.
    if (this.reliable) this.terminate();
  }

  /** Input: a retransmission of the request (17.2.2). Trying absorbs it: nothing to resend yet. */
  receiveRequest(_req: SipRequest): void {
    if (this.current === 'proceeding' || this.current === 'completed') this.resend();
  }

  destroy(): void {
    if (this.current === 'terminated') return;
    this.terminate(
      this.current === 'completed' ? undefined : new SipError('TERMINATED', 'transaction layer closed'),
    );
  }

  protected onTransportError(err: SipError): void {
    // 17.2.4: inform the TU and end.
    if (this.current === 'proceeding' || this.current === 'completed') this.terminate(err);
  }

  private onTimerJ(): void {
    if (this.current === 'completed') this.terminate();
  }

  private transition(to: NonInviteServerState): void {
    this.assertMove(MOVES, to);
    this.current = to;
    if (to === 'completed') this.forgetRequest();
    if (to === 'completed' && !this.reliable) {
      this.freezeLast();
      this.timerJ = this.setTimer(64 * this.ctx.timers.T1, () => this.onTimerJ());
    } else if (to === 'terminated') {
      this.timerJ = cancelTimer(this.timerJ);
      this.ctx.release(this);
    }
  }

  private terminate(err?: SipError): void {
    this.transition('terminated');
    this.finish(err);
  }
}
