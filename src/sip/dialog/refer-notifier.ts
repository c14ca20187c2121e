import { SipError } from '../errors.ts';
import type { SipRequest } from '../message/message.ts';
import { reasonPhrase } from '../message/reason.ts';
import type { Dialog } from './dialog.ts';
import type { OutgoingResponse } from './outgoing-response.ts';
import { wantsNoSubscription } from './refer-to.ts';

export type ReferNotifierState = 'pending' | 'active' | 'terminated';

const MOVES: Readonly<Record<ReferNotifierState, readonly ReferNotifierState[]>> = {
  pending: ['active', 'terminated'],
  active: ['active', 'terminated'],
  terminated: [],
};

/** The sipfrag content type of RFC 3515 2.4.5 (RFC 3420). */
export const SIPFRAG = 'message/sipfrag;version=2.0';

/** REFERs accepted per dialog: the second and later ones name their subscription with `id` (RFC 3515 2.4.6). */
const accepted = new WeakMap<Dialog, number>();

/**
 * The notifier side of the implicit subscription a REFER creates (RFC 3515 2.4.4): accept()
 * answers 202, then progress() and done() send NOTIFYs whose message/sipfrag body is the
 * status line of the INVITE sent on the referrer's behalf. done() ends the subscription
 * (`Subscription-State: terminated;reason=noresource`). With `Refer-Sub: false` (RFC 4488)
 * the 202 echoes it and no NOTIFY is sent at all.
 *
 *   pending --progress()--> active --done()--> terminated
 *      |                      |
 *      +---- done(), close(), a NOTIFY answered 481 or not at all ----> terminated
 *
 * NOTIFYs go one at a time, in order; a failure is logged and ends the subscription.
 */
export class ReferNotifier {
  readonly event: string;
  /** false when the referrer asked for no subscription (RFC 4488). */
  readonly subscribed: boolean;
  private current: ReferNotifierState = 'pending';
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly dialog: Dialog,
    readonly refer: SipRequest,
  ) {
    this.subscribed = !wantsNoSubscription(refer);
    const n = accepted.get(dialog) ?? 0;
    this.event = n === 0 ? 'refer' : `refer;id=${refer.cseq.seq}`;
  }

  get state(): ReferNotifierState {
    return this.current;
  }

  /** 202 Accepted (RFC 3515 2.4.2); with Refer-Sub: false the answer says so (RFC 4488 4). */
  accept(res: OutgoingResponse): void {
    if (this.subscribed) accepted.set(this.dialog, (accepted.get(this.dialog) ?? 0) + 1);
    res.send(202, this.subscribed ? {} : { headers: { 'Refer-Sub': 'false' } });
  }

  /** A provisional status of the new INVITE (100 Trying, 180 Ringing ...). */
  progress(status = 100, reason?: string): Promise<void> {
    if (status < 100 || status > 199) throw new SipError('STATE', `not a provisional status: ${status}`);
    return this.send(status, reason, false);
  }

  /** The final status of the new INVITE; ends the subscription. */
  done(status: number, reason?: string): Promise<void> {
    if (status < 200 || status > 699) throw new SipError('STATE', `not a final status: ${status}`);
    return this.send(status, reason, true);
  }

  /** Ends the subscription without a NOTIFY (the dialog is going away). */
  close(): void {
    if (this.current !== 'terminated') this.transition('terminated');
  }

  private send(status: number, reason: string | undefined, final: boolean): Promise<void> {
    if (!this.subscribed || this.current === 'terminated') return Promise.resolve();
    this.transition(final ? 'terminated' : 'active');
    const frag = `SIP/2.0 ${status} ${sanitize(reason ?? reasonPhrase(status))}\r\n`;
    const state = final ? 'terminated;reason=noresource' : 'active;expires=60';
    const next = this.chain.then(async () => {
      if (this.dialog.state === 'terminated') return;
      try {
        const res = await this.dialog.request({
          method: 'NOTIFY',
          headers: { Event: this.event, 'Subscription-State': state },
          body: frag,
          contentType: SIPFRAG,
        });
        // RFC 6665 4.1.3: a 481 (or any failure) ends the subscription.
        if (res.status >= 300 && this.current !== 'terminated') this.transition('terminated');
      } catch (err) {
        this.dialog.ctx.logger.debug({ err, dialog: this.dialog.key }, 'NOTIFY failed');
        if (this.current !== 'terminated') this.transition('terminated');
      }
    });
    this.chain = next;
    return next;
  }

  private transition(to: ReferNotifierState): void {
    if (!MOVES[this.current].includes(to)) {
      throw new SipError('STATE', `REFER subscription: illegal ${this.current} -> ${to}`);
    }
    this.current = to;
  }
}

function sanitize(reason: string): string {
  return reason.replace(/[\r\n]+/g, ' ').slice(0, 100);
}
