import type { TimerHandle } from '../../util/clock.ts';
import { SipError } from '../errors.ts';
import type { SipRequest } from '../message/message.ts';
import { headerParams } from '../message/params-parser.ts';
import type { Dialog } from './dialog.ts';
import type { ExtraHeaders } from './message-content.ts';
import type { OutgoingResponse } from './outgoing-response.ts';

export interface ReferOptions {
  /** The Refer-To value, e.g. `<sip:carol@example.com>`. */
  referTo: string;
  /** Referred-By (RFC 3892), when wanted. */
  referredBy?: string;
  headers?: ExtraHeaders;
  /** How long to wait for the final NOTIFY once the REFER was accepted, in ms. */
  timeoutMs: number;
  /** Each sipfrag status line, provisional ones included. */
  onProgress?(status: number, reason: string): void;
}

/**
 * How a REFER we sent ended:
 * - completed: a final NOTIFY with a 2xx sipfrag (or a 2xx with Refer-Sub: false, RFC 4488);
 * - failed: a final NOTIFY with a 3xx-6xx sipfrag;
 * - refused: the REFER itself got a non-2xx (`referStatus`);
 * - timeout: accepted, but no final NOTIFY within timeoutMs;
 * - ended: the dialog ended, or the REFER got no answer, before the outcome was known.
 */
export interface ReferOutcome {
  result: 'completed' | 'failed' | 'refused' | 'timeout' | 'ended';
  /** Status of the response to the REFER; 0 when none came. */
  referStatus: number;
  /** Status of the last sipfrag received (the final one when there was one). */
  sipStatus?: number;
  sipReason?: string;
}

interface Subscription {
  seq: number;
  onNotify(req: SipRequest, res: OutgoingResponse): void;
}

/** Subscriptions of REFERs we sent, per dialog: one 'notify' listener dispatches to them. */
const subscriptions = new WeakMap<Dialog, Subscription[]>();

function listen(dialog: Dialog, sub: Subscription): () => void {
  let subs = subscriptions.get(dialog);
  if (!subs) {
    const list: Subscription[] = [];
    subs = list;
    subscriptions.set(dialog, list);
    dialog.on('notify', (req, res) => {
      const event = req.get('Event');
      const parsed = event ? safeParams(event) : undefined;
      if (parsed?.value.toLowerCase() !== 'refer') {
        res.send(200); // not ours: what the dialog answered before
        return;
      }
      const id = parsed.params.get('id');
      // The id is the REFER's CSeq (RFC 3515 2.4.6); a UAS dialog's first CSeq is random, so
      // an id that names none of ours falls back to the oldest subscription.
      const match = (id ? list.find((s) => String(s.seq) === id) : undefined) ?? list[0];
      // RFC 6665 4.1.3: a NOTIFY for no subscription gets 481.
      if (match) match.onNotify(req, res);
      else res.send(481);
    });
  }
  subs.push(sub);
  return () => {
    const i = subs.indexOf(sub);
    if (i >= 0) subs.splice(i, 1);
  };
}

/**
 * Sends a REFER in `dialog` (RFC 3515 2.4.1) and follows the implicit subscription: every
 * NOTIFY with `Event: refer` is answered 200 and its message/sipfrag status line reported;
 * the outcome comes with the final one (or `Subscription-State: terminated`), the timeout,
 * or the dialog's end. Never rejects.
 */
export async function sendRefer(dialog: Dialog, opts: ReferOptions): Promise<ReferOutcome> {
  const headers: Record<string, string | readonly string[]> = { ...opts.headers, 'Refer-To': opts.referTo };
  if (opts.referredBy) headers['Referred-By'] = opts.referredBy;
  // The CSeq is taken when the request is built; the subscription must exist before a NOTIFY can race the 202.
  const seq = (dialog.localSeq ?? 0) + 1;
  let last: { status: number; reason: string } | undefined;
  let settle!: (o: ReferOutcome) => void;
  const outcome = new Promise<ReferOutcome>((resolve) => {
    settle = resolve;
  });
  let referStatus = 0;
  let done = false;
  let timer: TimerHandle | undefined;
  const finish = (result: ReferOutcome['result']): void => {
    if (done) return;
    done = true;
    timer?.cancel();
    unlisten();
    dialog.off('destroy', onEnd);
    settle({
      result,
      referStatus,
      ...(last ? { sipStatus: last.status, sipReason: last.reason } : {}),
    });
  };
  const onEnd = (): void => finish('ended');
  const unlisten = listen(dialog, {
    seq,
    onNotify(req, res) {
      res.send(200);
      const frag = parseSipfrag(req.body.toString('utf8'));
      if (frag) {
        last = frag;
        try {
          opts.onProgress?.(frag.status, frag.reason);
        } catch (err) {
          dialog.ctx.logger.error({ err }, 'onProgress threw');
        }
      }
      const terminated = /^\s*terminated/i.test(req.get('Subscription-State') ?? '');
      if (frag && frag.status >= 200) finish(frag.status < 300 ? 'completed' : 'failed');
      else if (terminated) finish(last && last.status >= 200 && last.status < 300 ? 'completed' : 'failed');
    },
  });
  dialog.once('destroy', onEnd);
  try {
    const res = await dialog.request({ method: 'REFER', headers });
    referStatus = res.status;
    if (res.status >= 300) finish('refused');
    else if (res.get('Refer-Sub')?.trim().toLowerCase() === 'false') finish('completed');
    else if (!done) timer = dialog.ctx.clock.setTimer(opts.timeoutMs, () => finish('timeout'));
  } catch (err) {
    if (!(err instanceof SipError)) throw err;
    referStatus = err.status ?? 0;
    finish(err.code === 'TIMEOUT' || err.code === 'TRANSPORT' ? 'refused' : 'ended');
  }
  return outcome;
}

/** The status line of a message/sipfrag body (RFC 3420), e.g. `SIP/2.0 180 Ringing`. */
export function parseSipfrag(body: string): { status: number; reason: string } | undefined {
  const m = /^\s*SIP\/2\.0\s+(\d{3})(?:[ \t]+([^\r\n]*))?/i.exec(body);
  if (!m) return undefined;
  return { status: Number(m[1]), reason: (m[2] ?? '').trim() };
}

function safeParams(v: string): ReturnType<typeof headerParams> | undefined {
  try {
    return headerParams(v);
  } catch {
    return undefined;
  }
}
