import type { TimerHandle } from '../../util/clock.ts';
import { SipError } from '../errors.ts';
import type { SipResponse } from '../message/message.ts';
import type { Dialog } from './dialog.ts';
import { bodyText, type MessageContent } from './message-content.ts';

/** A re-INVITE answered 491 is sent again after a back-off, this many times in all (14.1). */
const GLARE_ATTEMPTS = 4;

/**
 * Our re-INVITEs on a dialog (RFC 3261 14.1): one at a time and never while an incoming
 * one is in progress (the dialog's INVITE lock), the 2xx ACKed by us (13.2.2.4), and a 491
 * retried after a random back-off: 2.1-4 s in 10 ms steps when we own the Call-ID, else 0-2 s.
 */
export class ReInviteClient {
  private readonly backoffs = new Set<{ timer: TimerHandle; reject(err: SipError): void }>();

  constructor(
    private readonly dialog: Dialog,
    /** We generated the Call-ID (we sent the initial INVITE). */
    private readonly callIdOwner: boolean,
  ) {}

  async modify(sdp: string, opts: MessageContent): Promise<string> {
    const d = this.dialog;
    for (let attempt = 1; ; attempt++) {
      if (d.state !== 'confirmed') throw new SipError('STATE', `cannot modify a dialog that is ${d.state}`);
      await d.inviteLock.acquireClient();
      let res: SipResponse;
      try {
        res = await this.send(sdp, opts);
      } finally {
        d.inviteLock.release();
      }
      if (res.status < 300) return d.remoteSdp ?? '';
      if (res.status !== 491 || attempt === GLARE_ATTEMPTS || d.state !== 'confirmed') {
        throw new SipError('REJECTED', `re-INVITE answered ${res.status} ${res.reason}`, res.status);
      }
      await this.backoff();
    }
  }

  /** The dialog ended: pending back-offs end with TERMINATED. */
  close(): void {
    for (const b of this.backoffs) {
      b.timer.cancel();
      b.reject(new SipError('TERMINATED', 'the dialog ended'));
    }
    this.backoffs.clear();
  }

  private async send(sdp: string, opts: MessageContent): Promise<SipResponse> {
    const d = this.dialog;
    const req = d.createRequest('INVITE', { ...opts, body: sdp });
    const res = await d.sendInDialog(req, { onLate2xx: (r) => d.resendAck(r) });
    if (res.status >= 200 && res.status < 300) {
      d.refreshTarget(res); // 12.2.1.2
      d.localSdp = sdp;
      const body = bodyText(res);
      if (body) d.remoteSdp = body;
      // 13.2.2.4: every 2xx is ACKed, even when the dialog ended meanwhile.
      await d.sendAck(req.cseq.seq);
    }
    return res;
  }

  private backoff(): Promise<void> {
    const r = this.dialog.ctx.random();
    const ms = this.callIdOwner ? 2100 + Math.floor(r * 191) * 10 : Math.floor(r * 201) * 10;
    return new Promise((resolve, reject) => {
      const entry = {
        timer: this.dialog.ctx.clock.setTimer(ms, () => {
          this.backoffs.delete(entry);
          resolve();
        }),
        reject,
      };
      this.backoffs.add(entry);
    });
  }
}
