import type { ReferNotifier } from '../../sip/dialog/refer-notifier.ts';
import { formatReplaces, type ReferTarget } from '../../sip/dialog/refer-to.ts';
import type { CallLeg } from '../call-leg.ts';
import type { DialTarget } from '../dialer.ts';
import type { OutboundLeg } from '../outbound-leg.ts';
import { HeldLeg } from './held-leg.ts';
import type { Side, TransferHub, Watched } from './transfer-hub.ts';
import type { TransferInfo } from './transfer-types.ts';

export type DialTransferState = 'holding' | 'dialing' | 'connecting' | 'completed' | 'failed';

const MOVES: Readonly<Record<DialTransferState, readonly DialTransferState[]>> = {
  holding: ['dialing', 'failed'],
  dialing: ['connecting', 'failed'],
  connecting: ['completed', 'failed'],
  completed: [],
  failed: [],
};

export interface DialTransferInit {
  w: Watched;
  side: Side;
  /** The referrer's leg. */
  leg: CallLeg;
  notifier: ReferNotifier;
  info: TransferInfo;
  target: ReferTarget;
}

/** The Dial target of a Refer-To: a tel: number goes through the trunk like `<Number>`, a SIP URI directly. */
export function dialTargetOf(target: ReferTarget): DialTarget {
  const headers: Record<string, string> = {};
  // RFC 3891 / RFC 5589: the INVITE to a target elsewhere carries the Replaces of the Refer-To.
  if (target.replaces) headers.Replaces = formatReplaces(target.replaces);
  if (target.uri.scheme === 'tel') return { kind: 'Number', address: target.uri.user ?? '', headers };
  return { kind: 'User', address: target.uri.toString(), headers };
}

/**
 * A transfer that calls the Refer-To target (blind, or attended with a dialog elsewhere): the
 * referrer is held (its BYE no longer ends anything), the target is dialed, its progress
 * NOTIFYed; once it answers it takes the referrer's place (the call's leg, or the Dial's
 * peer), the final NOTIFY says 200 and the referrer gets BYE. On failure the referrer is put
 * back (if it hung up meanwhile, that ends the call or the Dial as usual).
 *
 *   holding --dial--> dialing --2xx--> connecting --placed--> completed
 *      |                 |  3xx-6xx, ring timeout,              |
 *      +-----------------+--- the call or referrer gone --------+--> failed
 */
export class DialTransfer {
  private current: DialTransferState = 'holding';
  private restore: () => void = () => {};

  constructor(
    private readonly hub: TransferHub,
    private readonly init: DialTransferInit,
  ) {}

  get state(): DialTransferState {
    return this.current;
  }

  async run(): Promise<void> {
    const { w, side, leg, notifier } = this.init;
    this.hold();
    let target: OutboundLeg;
    try {
      target = await this.hub.opts.dialer.dial(
        withReferredBy(dialTargetOf(this.init.target), this.init.info.referredBy),
        { id: w.call.parties.from, name: w.call.parties.callerName },
      );
    } catch (err) {
      w.call.log.info({ err: (err as Error).message }, 'transfer target not called');
      return this.fail(503, 'Service Unavailable');
    }
    this.transition('dialing');
    target.on('ringing', () => void notifier.progress(180));
    const answered = await this.ring(target);
    if (!answered) {
      await target.hangup();
      const status = target.ended?.status ?? 487;
      return this.fail(status >= 300 ? status : 487);
    }
    this.transition('connecting');
    if (w.call.end) {
      await target.hangup();
      return this.fail(487, 'Request Terminated');
    }
    try {
      this.hub.place(w, side, target);
    } catch (err) {
      w.call.log.info({ err: (err as Error).message }, 'transfer target could not be connected');
      await target.hangup();
      return this.fail(487, 'Request Terminated');
    }
    this.transition('completed');
    w.call.log.info({ side, target: target.request.uri }, 'transfer completed');
    await notifier.done(200);
    w.hooks.tell?.(this.init.info, 'completed', { TransferCallUUID: target.uuid });
    await leg.hangup();
  }

  /** The referrer's end no longer ends the call (or the Dial) while the target rings. */
  private hold(): void {
    const { w, side, leg } = this.init;
    if (side === 'call') {
      w.call.replaceLeg(new HeldLeg(leg));
      this.restore = () => {
        if (!w.call.end) w.call.replaceLeg(leg);
      };
      return;
    }
    const held = w.bridge?.holdPeer();
    this.restore = () => held?.release();
  }

  /** Resolves true once the target answers; false on failure, ring timeout, or the call's end. */
  private ring(target: OutboundLeg): Promise<boolean> {
    const { w } = this.init;
    return new Promise((resolve) => {
      const timer = this.hub.opts.clock.setTimer(this.hub.opts.ringTimeoutMs ?? 60_000, () => finish(false));
      const onEnd = (): void => finish(false);
      w.call.signal.addEventListener('abort', onEnd, { once: true });
      target.answered.then(
        () => finish(true),
        () => finish(false),
      );
      function finish(ok: boolean): void {
        timer.cancel();
        w.call.signal.removeEventListener('abort', onEnd);
        resolve(ok && target.state === 'answered');
      }
    });
  }

  private async fail(status: number, reason?: string): Promise<void> {
    this.transition('failed');
    const { w, notifier, info } = this.init;
    w.call.log.info({ status }, 'transfer failed');
    this.restore();
    await notifier.done(status, reason);
    w.hooks.tell?.(info, 'failed', { TransferSipStatus: String(status) });
  }

  private transition(to: DialTransferState): void {
    if (!MOVES[this.current].includes(to)) throw new Error(`transfer: illegal ${this.current} -> ${to}`);
    this.current = to;
  }
}

function withReferredBy(t: DialTarget, referredBy: string): DialTarget {
  return { ...t, headers: { ...t.headers, 'Referred-By': referredBy } };
}
