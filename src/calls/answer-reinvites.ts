import type { MediaEndpoint } from '../media/media-engine.ts';
import type { Dialog } from '../sip/dialog/dialog.ts';
import type { LocalSdpSession } from '../sip/sdp/local-sdp-session.ts';
import type { Logger } from '../util/log.ts';

/**
 * Answers the peer's re-INVITEs on a leg (hold, a new address, a session refresh) from the
 * leg's own endpoint (RFC 3264 8). The media is anchored in Patchbay, so the other leg of a
 * bridge needs no re-INVITE of its own; an unacceptable offer gets 488 and changes nothing.
 */
export function answerReinvites(
  dialog: Dialog,
  sdp: LocalSdpSession,
  endpoint: MediaEndpoint,
  log: Logger,
): void {
  dialog.on('modify', (req, res) => {
    try {
      const answer = sdp.createAnswer(req.body, endpoint.capabilities());
      endpoint.configure(answer.media);
      res.send(200, { body: answer.sdp, contentType: 'application/sdp' });
    } catch (err) {
      log.info({ err: (err as Error).message }, 're-INVITE offer not acceptable');
      res.send(488);
    }
  });
}
