/**
 * Calls with media for integration tests: Patchbay's UA places or answers a call, a media
 * endpoint of the engine under test describes itself in the SDP and is configured from the
 * peer's. Signal analysis (rms, dominantFrequency ...) lives in ./audio.ts.
 */
import type { EndpointOptions, MediaEndpoint, MediaEngine } from '../../src/media/media-engine.ts';
import type { Dialog } from '../../src/sip/dialog/dialog.ts';
import { SipError } from '../../src/sip/errors.ts';
import type { SipRequest } from '../../src/sip/message/message.ts';
import { LocalSdpSession } from '../../src/sip/sdp/local-sdp-session.ts';
import type { NegotiatedMedia } from '../../src/sip/sdp/negotiated-media.ts';
import type { UserAgent } from '../../src/sip/ua/user-agent.ts';
import { randomRtpRange } from './media-lab.ts';

export interface MediaCall {
  dialog: Dialog;
  endpoint: MediaEndpoint;
  /** The outcome of the initial offer/answer (re-INVITEs reconfigure the endpoint later). */
  negotiated: NegotiatedMedia;
  sdp: LocalSdpSession;
  /** BYE (unless the dialog already ended), then closes the endpoint. */
  hangup(): Promise<void>;
}

export interface CallOutOptions {
  endpoint?: EndpointOptions;
  /** From of the INVITE; the UA's default otherwise. */
  from?: string;
  /** Give up (CANCEL) when no 2xx came in this many ms; default 5000. */
  timeoutMs?: number;
}

/**
 * Places a call to `uri` with an offer from a new endpoint and configures the endpoint from
 * the answer in the 2xx. The endpoint closes when the dialog ends, whichever side ends it.
 */
export async function callOut(
  ua: UserAgent,
  engine: MediaEngine,
  uri: string,
  opts: CallOutOptions = {},
): Promise<MediaCall> {
  const endpoint = await engine.createEndpoint(opts.endpoint);
  const sdp = new LocalSdpSession({ address: endpoint.capabilities().address });
  try {
    const { sdp: offer } = sdp.createOffer(endpoint.capabilities());
    const uac = ua.createUAC({ uri, body: offer, ...(opts.from ? { from: opts.from } : {}) });
    const timeoutMs = opts.timeoutMs ?? 5000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        uac.cancel();
        reject(new SipError('TIMEOUT', `no answer from ${uri} in ${timeoutMs} ms`, 408));
      }, timeoutMs);
    });
    const dialog = await Promise.race([uac.established, timeout]).finally(() => clearTimeout(timer));
    // RFC 3264 7: the answer is in the 2xx since the offer was in the INVITE.
    if (!dialog.remoteSdp) {
      await dialog.destroy();
      throw new SipError('STATE', `the 2xx from ${uri} carries no SDP answer`);
    }
    const negotiated = sdp.processAnswer(dialog.remoteSdp);
    endpoint.configure(negotiated);
    return withMedia(dialog, endpoint, negotiated, sdp);
  } catch (err) {
    await endpoint.close();
    throw err;
  }
}

export interface AnswerOptions {
  endpoint?: EndpointOptions;
  /** Send 180 and wait this long before the 200; default answer at once. */
  ringMs?: number;
  /** Reject the wait when no INVITE came in this many ms; default 10000. */
  timeoutMs?: number;
}

/**
 * Answers the next INVITE that reaches `ua` with an SDP answer from a new endpoint. It
 * takes over the UA's INVITE handler: INVITEs after that one are rejected 486.
 */
export function answerIncoming(
  ua: UserAgent,
  engine: MediaEngine,
  opts: AnswerOptions = {},
): Promise<MediaCall & { request: SipRequest }> {
  return new Promise((resolve, reject) => {
    let taken = false;
    const timeoutMs = opts.timeoutMs ?? 10000;
    const timer = setTimeout(() => {
      taken = true;
      reject(new SipError('TIMEOUT', `no INVITE in ${timeoutMs} ms`));
    }, timeoutMs);
    ua.onInvite(async (req, uas) => {
      if (taken) {
        uas.reject(486);
        return;
      }
      taken = true;
      clearTimeout(timer);
      let endpoint: MediaEndpoint | undefined;
      try {
        endpoint = await engine.createEndpoint(opts.endpoint);
        const sdp = new LocalSdpSession({ address: endpoint.capabilities().address });
        // Throws a 488 SipError when nothing in the offer is acceptable.
        const answer = sdp.createAnswer(req.body, endpoint.capabilities());
        endpoint.configure(answer.media);
        if (opts.ringMs !== undefined) {
          uas.progress(180);
          await new Promise((r) => setTimeout(r, opts.ringMs));
        }
        const dialog = await uas.accept({ body: answer.sdp });
        resolve({ ...withMedia(dialog, endpoint, answer.media, sdp), request: req });
      } catch (err) {
        if (err instanceof SipError && err.status === 488 && uas.state === 'proceeding') uas.reject(488);
        await endpoint?.close();
        reject(err);
      }
    });
  });
}

/**
 * An even RTP port range of `size` ports for one engine in one test (see randomRtpRange);
 * baresip instances take theirs from 50000 up, so the two never meet.
 */
export function rtpRange(size = 40): { low: number; high: number } {
  return randomRtpRange(size);
}

function withMedia(
  dialog: Dialog,
  endpoint: MediaEndpoint,
  negotiated: NegotiatedMedia,
  sdp: LocalSdpSession,
): MediaCall {
  dialog.on('destroy', () => void endpoint.close());
  dialog.on('modify', (req, res) => {
    // A re-INVITE with an offer (RFC 3264 8): answer it and follow it (hold, new address).
    if (req.body.length === 0) {
      res.send(200, { body: dialog.localSdp ?? '' });
      return;
    }
    try {
      const answer = sdp.createAnswer(req.body, endpoint.capabilities());
      endpoint.configure(answer.media);
      res.send(200, { body: answer.sdp });
    } catch {
      res.send(488);
    }
  });
  return {
    dialog,
    endpoint,
    negotiated,
    sdp,
    async hangup() {
      await dialog.destroy();
      await endpoint.close();
    },
  };
}
