import type { Dialog } from '../../src/sip/dialog/dialog.ts';
import type { SipRequest } from '../../src/sip/message/message.ts';
import { LocalSdpSession } from '../../src/sip/sdp/local-sdp-session.ts';
import type { MediaCapabilities } from '../../src/sip/sdp/negotiated-media.ts';
import type { UserAgent } from '../../src/sip/ua/user-agent.ts';

export const CAPS: MediaCapabilities = {
  address: '127.0.0.1',
  port: 40000,
  codecs: ['PCMU', 'PCMA'],
  telephoneEvent: true,
};

export interface TestUasOptions {
  /** Send 180 and wait this long before answering; undefined: answer at once. */
  ringMs?: number;
  /** Never answer (the caller must CANCEL). */
  noAnswer?: boolean;
  /** Hang up (BYE) this long after the call is confirmed. */
  byeAfterMs?: number;
}

export interface TestUasLog {
  invites: SipRequest[];
  cancelled: number;
  confirmed: number;
  ended: string[];
  /** Bodies of re-INVITEs answered. */
  reinvites: number;
  failures: unknown[];
}

/** A UAS built on the UA API: answers every INVITE with an SDP answer, as the options say. */
export function serveTestUas(ua: UserAgent, opts: TestUasOptions = {}): TestUasLog {
  const log: TestUasLog = { invites: [], cancelled: 0, confirmed: 0, ended: [], reinvites: 0, failures: [] };
  ua.onInvite(async (req, uas) => {
    log.invites.push(req);
    uas.on('cancel', () => {
      log.cancelled++;
    });
    try {
      const sdp = new LocalSdpSession({ address: CAPS.address });
      const { sdp: answer } = sdp.createAnswer(req.body, CAPS);
      if (opts.ringMs !== undefined || opts.noAnswer) uas.progress(180);
      if (opts.noAnswer) return;
      if (opts.ringMs) await new Promise((r) => setTimeout(r, opts.ringMs));
      if (uas.cancelled) return;
      const dialog: Dialog = await uas.accept({ body: answer });
      log.confirmed++;
      dialog.on('modify', (mreq, res) => {
        log.reinvites++;
        const { sdp: again } = sdp.createAnswer(mreq.body, CAPS);
        res.send(200, { body: again });
      });
      dialog.on('destroy', (end) => log.ended.push(end.cause));
      if (opts.byeAfterMs !== undefined) setTimeout(() => void dialog.destroy(), opts.byeAfterMs);
    } catch (err) {
      log.failures.push(err);
    }
  });
  return log;
}

/** Polls until `cond` holds, or fails after `ms`. */
export async function waitUntil(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Only loopback destinations: the stack under test may never send anywhere else. */
export function loopbackOnly(address: string): boolean {
  return address === '::1' || address.startsWith('127.');
}
