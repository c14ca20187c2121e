import type { Dialog } from '../../sip/dialog/dialog.ts';
import type { OutgoingResponse } from '../../sip/dialog/outgoing-response.ts';
import type { SipRequest } from '../../sip/message/message.ts';

/**
 * Hands the REFERs of a leg's dialog to the leg (`emit` returns false when nobody listens).
 * Unheard, a REFER is declined: an open REFER is a toll-fraud path (603, RFC 3515 2.4.2).
 */
export function forwardRefers(
  dialog: Dialog,
  emit: (req: SipRequest, res: OutgoingResponse) => boolean,
): void {
  dialog.on('refer', (req, res) => {
    if (!emit(req, res)) res.send(603, { reason: 'Decline - transfers are not accepted' });
  });
}
