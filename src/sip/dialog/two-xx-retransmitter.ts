import type { TimerHandle } from '../../util/clock.ts';
import { SipError } from '../errors.ts';
import type { SipResponse } from '../message/message.ts';
import type { Source } from '../transport/types.ts';
import type { UaContext } from './ua-context.ts';

export type TwoXxState = 'waiting' | 'acked' | 'timed-out' | 'stopped';

const MOVES: Readonly<Record<TwoXxState, readonly TwoXxState[]>> = {
  waiting: ['acked', 'timed-out', 'stopped'],
  acked: [],
  'timed-out': [],
  stopped: [],
};

/**
 * The UAS core's wait for the ACK of a 2xx to an INVITE (RFC 3261 13.3.1.4). The 2xx went
 * out once through the server transaction; this machine sends it again on unreliable
 * transports until the ACK comes, and gives up after 64*T1.
 *
 *              | start: resend timer = T1 (UDP only), give-up timer = 64*T1
 *              v
 *         +---------+  resend timer: 2xx again, interval = min(2*interval, T2)
 *         | waiting |
 *         +---------+
 *   ACK /    |     \ stop() (a BYE before the ACK, RFC 3261 15; dialog gone)
 *      v     |      v
 *  acked     |     stopped
 *            v 64*T1 without ACK: onTimeout
 *        timed-out
 */
export class TwoXxRetransmitter {
  private current: TwoXxState = 'waiting';
  private interval: number;
  private resendTimer?: TimerHandle;
  private readonly giveUpTimer: TimerHandle;

  constructor(
    private readonly ctx: UaContext,
    readonly response: SipResponse,
    private readonly source: Source,
    private readonly onTimeout: (err: SipError) => void,
  ) {
    const { T1 } = ctx.timers;
    this.interval = T1;
    // Reliable transports deliver the 2xx themselves; only the wait remains (17.1.1.2 spirit).
    if (source.protocol === 'udp') this.resendTimer = ctx.clock.setTimer(T1, () => this.onResendTimer());
    this.giveUpTimer = ctx.clock.setTimer(64 * T1, () => this.onGiveUpTimer());
  }

  get state(): TwoXxState {
    return this.current;
  }

  /** The CSeq number of the INVITE whose ACK is awaited. */
  get seq(): number {
    return this.response.cseq.seq;
  }

  /** Input: the ACK arrived. Returns false when no longer waiting (a retransmitted ACK). */
  ack(): boolean {
    if (this.current !== 'waiting') return false;
    this.transition('acked');
    return true;
  }

  /** Input: the wait is moot (BYE before ACK, dialog ended). */
  stop(): void {
    if (this.current === 'waiting') this.transition('stopped');
  }

  private onResendTimer(): void {
    if (this.current !== 'waiting') return;
    this.ctx.transactions.sendResponseStateless(this.response, this.source).catch((err: unknown) => {
      this.ctx.logger.debug({ err }, '2xx retransmission failed');
    });
    this.interval = Math.min(2 * this.interval, this.ctx.timers.T2);
    this.resendTimer = this.ctx.clock.setTimer(this.interval, () => this.onResendTimer());
  }

  private onGiveUpTimer(): void {
    if (this.current !== 'waiting') return;
    this.transition('timed-out');
    this.onTimeout(new SipError('TIMEOUT', 'no ACK for the 2xx within 64*T1', 408));
  }

  private transition(to: TwoXxState): void {
    if (!MOVES[this.current].includes(to)) {
      throw new SipError('STATE', `2xx retransmission: illegal transition ${this.current} -> ${to}`);
    }
    this.current = to;
    this.resendTimer?.cancel();
    this.resendTimer = undefined;
    if (to !== 'timed-out') this.giveUpTimer.cancel();
  }
}
