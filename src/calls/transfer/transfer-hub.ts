import type { MediaEngine } from '../../media/media-engine.ts';
import type { Dialog } from '../../sip/dialog/dialog.ts';
import type { OutgoingResponse } from '../../sip/dialog/outgoing-response.ts';
import { ReferNotifier } from '../../sip/dialog/refer-notifier.ts';
import { parseReferTo, parseReplaces, type ReferTarget } from '../../sip/dialog/refer-to.ts';
import { SipError } from '../../sip/errors.ts';
import type { SipRequest } from '../../sip/message/message.ts';
import type { Uas } from '../../sip/ua/uas.ts';
import type { UserAgent } from '../../sip/ua/user-agent.ts';
import type { Clock } from '../../util/clock.ts';
import type { Logger } from '../../util/log.ts';
import type { Call } from '../call.ts';
import type { CallLeg } from '../call-leg.ts';
import type { Dialer } from '../dialer.ts';
import { InboundLeg } from '../inbound-leg.ts';
import { OutboundLeg } from '../outbound-leg.ts';
import { DialTransfer } from './dial-transfer.ts';
import { joinLocal } from './local-join.ts';
import type { BridgeHandle, ReferListener, TransferHooks, TransferInfo } from './transfer-types.ts';

export interface TransferHubOptions {
  ua: UserAgent;
  engine: MediaEngine;
  dialer: Dialer;
  clock: Clock;
  log: Logger;
  /** PATCHBAY_ACCEPT_REFER: accept REFERs of calls whose application has no transfer URL. */
  acceptRefer: boolean;
  /** How long a transfer target may ring, in ms. Default 60 s. */
  ringTimeoutMs?: number;
}

/** A call the hub follows: its hooks, the bridge of its running Dial, and the legs it listens to. */
export interface Watched {
  readonly call: Call;
  readonly hooks: TransferHooks;
  bridge?: BridgeHandle;
  /** A transfer of this call is under way: another REFER gets 491. */
  busy: boolean;
  readonly listening: Map<CallLeg, ReferListener>;
}

/** Where a leg sits in a watched call: the call's own leg, or the Dial's peer. */
export type Side = 'call' | 'peer';

/**
 * Transfers by SIP (RFC 3515 REFER, RFC 3891 Replaces) for every call a CallFlow runs:
 * - a REFER on the call's leg or on its Dial's peer: 400 for a bad Refer-To, 603 when the
 *   transfer URL refuses (or, without one, PATCHBAY_ACCEPT_REFER is off), else 202 and
 *   NOTIFYs; the target is dialed (DialTransfer), or, when Replaces names a dialog of another
 *   call here, the two remaining parties are joined (joinLocal);
 * - an INVITE with Replaces (handleInvite) takes the place of the leg whose dialog it names;
 * - `<Refer>` finds the call's leg here (legOf).
 */
export class TransferHub {
  private readonly calls = new Map<string, Watched>();

  constructor(readonly opts: TransferHubOptions) {}

  /** Follows a call until it ends; returns the way to stop. */
  watch(call: Call, hooks: TransferHooks): () => void {
    const w: Watched = { call, hooks, busy: false, listening: new Map() };
    this.calls.set(call.uuid, w);
    this.listen(w, call.leg);
    const onReplaced = (leg: CallLeg, previous: CallLeg): void => {
      this.unlisten(w, previous);
      this.listen(w, leg);
    };
    call.on('leg-replaced', onReplaced);
    const stop = (): void => {
      if (this.calls.get(call.uuid) !== w) return;
      this.calls.delete(call.uuid);
      call.off('leg-replaced', onReplaced);
      for (const leg of [...w.listening.keys()]) this.unlisten(w, leg);
    };
    call.once('ended', stop);
    return stop;
  }

  /** A Dial of `callUuid` bridges its peer; returns the way to say it stopped. */
  bridged(callUuid: string, handle: BridgeHandle): () => void {
    const w = this.calls.get(callUuid);
    if (!w) return () => {};
    w.bridge = handle;
    this.listen(w, handle.peer);
    return () => {
      if (w.bridge !== handle) return;
      w.bridge = undefined;
      this.unlisten(w, handle.peer);
    };
  }

  /** The leg a call talks to now (`<Refer>` sends its REFER there). */
  legOf(callUuid: string): CallLeg | undefined {
    return this.calls.get(callUuid)?.call.leg;
  }

  /** The leg a `<Dial>` bridges the call to now (the REST API's B-leg). */
  peerOf(callUuid: string): CallLeg | undefined {
    return this.calls.get(callUuid)?.bridge?.peer;
  }

  /**
   * Takes the peer of the call's connected Dial out of the bridge, still up, for a document
   * of its own (REST 2.9 legs=bleg): the Dial ends without a BYE to it (its callbacks say
   * `API Request`), and REFERs from it are no longer this call's. `no-peer` when no Dial of
   * the call is connected (or its peer is gone); `busy` while a SIP transfer of the call is
   * under way (the peer may be the one being replaced).
   */
  takePeer(callUuid: string): { ok: true; leg: CallLeg } | { ok: false; reason: 'no-peer' | 'busy' } {
    const w = this.calls.get(callUuid);
    const bridge = w?.bridge;
    if (!w || !bridge || w.call.end || bridge.peer.ended) return { ok: false, reason: 'no-peer' };
    if (w.busy) return { ok: false, reason: 'busy' };
    const leg = bridge.peer;
    w.bridge = undefined;
    this.unlisten(w, leg);
    bridge.detachPeer('API Request');
    return { ok: true, leg };
  }

  /** The watched call and side a dialog belongs to. */
  find(dialog: Dialog): { w: Watched; side: Side; leg: CallLeg } | undefined {
    for (const w of this.calls.values()) {
      if (w.call.leg.sipDialog === dialog) return { w, side: 'call', leg: w.call.leg };
      const peer = w.bridge?.peer;
      if (peer && peer.sipDialog === dialog) return { w, side: 'peer', leg: peer };
    }
    return undefined;
  }

  /** @internal Listens to a leg's REFERs (legs of our own kinds only). */
  listen(w: Watched, leg: CallLeg): void {
    if (w.listening.has(leg) || !(leg instanceof InboundLeg || leg instanceof OutboundLeg)) return;
    const listener: ReferListener = (req, res) => {
      this.onRefer(w, leg, req, res).catch((err: unknown) => {
        this.opts.log.error({ err }, 'REFER handling failed');
        if (!res.sent) res.send(500);
      });
    };
    w.listening.set(leg, listener);
    leg.on('refer', listener);
  }

  /** @internal */
  unlisten(w: Watched, leg: CallLeg): void {
    const listener = w.listening.get(leg);
    if (!listener) return;
    w.listening.delete(leg);
    if (leg instanceof InboundLeg || leg instanceof OutboundLeg) leg.off('refer', listener);
  }

  /**
   * An INVITE with Replaces (RFC 3891 3): false when it has none (a new call). A match with
   * a confirmed dialog of a call here takes that leg's place; no match 481; `early-only`
   * against a confirmed dialog 486; an early or finished dialog 481 / 603.
   */
  handleInvite(req: SipRequest, uas: Uas): boolean {
    const value = req.get('Replaces');
    if (value === undefined) return false;
    let r: ReturnType<typeof parseReplaces>;
    try {
      r = parseReplaces(value);
    } catch {
      uas.reject(400, { reason: 'Bad Request - malformed Replaces' });
      return true;
    }
    const dialog = this.opts.ua.findDialog({ callId: r.callId, localTag: r.toTag, remoteTag: r.fromTag });
    if (!dialog || dialog.state === 'early') {
      uas.reject(481, { reason: 'Call/Transaction Does Not Exist - nothing to replace' });
      return true;
    }
    if (r.earlyOnly) {
      uas.reject(486, { reason: 'Busy Here - the dialog is already confirmed' });
      return true;
    }
    const found = this.find(dialog);
    if (!found || found.w.busy) {
      uas.reject(found ? 486 : 481);
      return true;
    }
    void this.replaceByInvite(found.w, found.side, found.leg, uas).catch((err: unknown) =>
      this.opts.log.info({ err: (err as Error).message }, 'INVITE with Replaces failed'),
    );
    return true;
  }

  /** Puts `leg` where `side` is in `w` (the leg it replaces is left to the caller). */
  place(w: Watched, side: Side, leg: CallLeg): void {
    if (side === 'peer') {
      if (!w.bridge) throw new SipError('STATE', 'the Dial is over');
      const old = w.bridge.peer;
      w.bridge.replacePeer(leg);
      // The new peer may transfer in its turn; the old one is released by the caller.
      this.unlisten(w, old);
      this.listen(w, leg);
      return;
    }
    w.call.replaceLeg(leg);
    if (w.bridge) w.bridge.callLegReplaced(leg);
    else w.hooks.cutVerb?.();
  }

  private async replaceByInvite(w: Watched, side: Side, old: CallLeg, uas: Uas): Promise<void> {
    const leg = await InboundLeg.create(
      uas,
      this.opts.engine,
      this.opts.log,
      `replaces ${uas.request.callId}`,
    );
    await leg.answer();
    if (w.call.end || old.ended) {
      await leg.hangup();
      return;
    }
    this.place(w, side, leg);
    w.call.log.info({ side }, 'leg replaced by an INVITE with Replaces');
    await old.hangup();
  }

  private async onRefer(w: Watched, leg: CallLeg, req: SipRequest, res: OutgoingResponse): Promise<void> {
    const side: Side | undefined = w.call.leg === leg ? 'call' : w.bridge?.peer === leg ? 'peer' : undefined;
    const dialog = leg.sipDialog;
    if (!side || !dialog || w.call.end) {
      res.send(603, { reason: 'Decline - the call is not up' });
      return;
    }
    if (w.busy) {
      res.send(491, { reason: 'Request Pending - a transfer is under way' });
      return;
    }
    let target: ReferTarget;
    try {
      target = parseReferTo(req);
    } catch (err) {
      res.send(400, { reason: `Bad Request - ${(err as Error).message}`.slice(0, 120) });
      return;
    }
    const info: TransferInfo = {
      type: target.replaces ? 'attended' : 'blind',
      referTo: target.text,
      referredBy: req.get('Referred-By') ?? `<${req.from.uri.toString()}>`,
    };
    w.busy = true;
    try {
      const accepted = await (w.hooks.ask ? w.hooks.ask(info).catch(() => false) : this.opts.acceptRefer);
      if (!accepted || w.call.end || leg.ended) {
        res.send(603, { reason: 'Decline - transfer refused' });
        return;
      }
      const r = target.replaces;
      const local = r
        ? this.opts.ua.findDialog({ callId: r.callId, localTag: r.toTag, remoteTag: r.fromTag })
        : undefined;
      const notifier = new ReferNotifier(dialog, req);
      w.call.log.info({ side, ...info, local: local !== undefined }, 'transfer accepted');
      if (local) {
        await joinLocal(this, { w, side, leg, notifier, res, info }, local);
        return;
      }
      notifier.accept(res);
      await notifier.progress(100);
      await new DialTransfer(this, { w, side, leg, notifier, info, target }).run();
    } finally {
      w.busy = false;
    }
  }
}
