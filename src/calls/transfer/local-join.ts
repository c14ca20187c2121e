import type { Dialog } from '../../sip/dialog/dialog.ts';
import type { OutgoingResponse } from '../../sip/dialog/outgoing-response.ts';
import type { ReferNotifier } from '../../sip/dialog/refer-notifier.ts';
import type { CallLeg } from '../call-leg.ts';
import { HANGUP_CAUSES } from '../hangup-cause.ts';
import type { Side, TransferHub, Watched } from './transfer-hub.ts';
import type { TransferInfo } from './transfer-types.ts';

export interface LocalJoinInit {
  /** The referrer's call, and where its leg sits there. */
  w: Watched;
  side: Side;
  leg: CallLeg;
  notifier: ReferNotifier;
  res: OutgoingResponse;
  info: TransferInfo;
}

/**
 * Attended transfer between two calls here (RFC 5589 7, the Replaces of the Refer-To names
 * one of our dialogs): the referrer X holds leg L1 in call 1 (facing P1) and leg L2 in call 2
 * (facing P2). P2 leaves call 2 and takes L1's place in call 1, so P1 and P2 talk; call 2
 * ends (normal hangup) and X gets BYE on both legs. Needs P2 to be a real party: when L2's
 * other side is a document (no Dial), the REFER gets 403.
 */
export async function joinLocal(hub: TransferHub, init: LocalJoinInit, replaced: Dialog): Promise<void> {
  const { w, side, leg, notifier, res, info } = init;
  const other = hub.find(replaced);
  const w2 = other?.w;
  const p2 = w2 ? (other.side === 'call' ? w2.bridge?.peer : w2.call.leg) : undefined;
  if (!other || !w2 || !p2 || w2 === w || w2.busy || w2.call.end || p2.ended) {
    res.send(403, { reason: 'Forbidden - the dialog to replace has no party to join' });
    return;
  }
  notifier.accept(res);
  await notifier.progress(100);
  w2.busy = true;
  try {
    const l2 = other.leg;
    // P2 leaves call 2 still up: call 2 keeps only X's leg, which ends with it.
    if (other.side === 'peer') w2.call.replaceLeg(l2);
    w2.bridge?.detachPeer();
    hub.place(w, side, p2);
    w.call.log.info({ joined: w2.call.uuid }, 'attended transfer: the two remaining parties joined');
    await notifier.done(200);
    w.hooks.tell?.(info, 'completed', { TransferCallUUID: w2.call.uuid });
    await Promise.all([
      leg.hangup(),
      w2.call.hangup({
        cause: HANGUP_CAUSES.normal,
        source: 'Caller',
        detail: `transferred into call ${w.call.uuid} (REFER with Replaces)`,
      }),
    ]);
  } catch (err) {
    w.call.log.warn({ err }, 'attended transfer failed');
    await notifier.done(500);
    w.hooks.tell?.(info, 'failed', { TransferSipStatus: '500' });
  } finally {
    w2.busy = false;
  }
}
