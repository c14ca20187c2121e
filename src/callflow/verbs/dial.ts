import type { DialVerb, NumberTarget, UserTarget } from '../../../schemas/xml/index.ts';
import type { CallLeg } from '../../calls/call-leg.ts';
import { DialError, RedirectBudget } from '../../calls/dialer.ts';
import { HANGUP_CAUSES, type HangupCause } from '../../calls/hangup-cause.ts';
import { OutboundLeg } from '../../calls/outbound-leg.ts';
import type { BridgeHandle } from '../../calls/transfer/transfer-types.ts';
import type { MediaBridge, MediaEndpoint } from '../../media/media-engine.ts';
import type { Uri } from '../../sip/message/uri.ts';
import { type AttemptEnd, attemptOutcome, type DialStatus, overallStatus } from '../dial/dial-status.ts';
import { type PromptsPlayback, playPrompts } from '../prompts.ts';
import { recordOnDialAnswer } from '../record-session.ts';
import {
  NEXT,
  pause,
  toAction,
  type VerbContext,
  type VerbHandler,
  type VerbOutcome,
  type WebhookParams,
} from '../verb.ts';

type Target = NumberTarget | UserTarget;

/** What stops a recording started on answer when the Dial is over (made once, no stack per call). */
const DIAL_OVER = Object.freeze(Object.assign(new Error('the Dial is over'), { code: 'DIAL_OVER' as const }));

interface Attempt {
  target: Target;
  leg?: OutboundLeg;
  end?: AttemptEnd;
  /** 0 for a target of the document, n for one reached through n redirects (3xx). */
  hop: number;
}

/** Digest credentials of a Number/User (sipAuthUsername/sipAuthPassword), answering a 401/407. */
function authOf(t: Target): { username: string; password: string } | undefined {
  return t.sipAuthUsername !== undefined
    ? { username: t.sipAuthUsername, password: t.sipAuthPassword ?? '' }
    : undefined;
}

/** The target a 3xx Contact stands for: a tel: number through the trunk, a SIP URI directly. */
function redirected(from: Target, uri: Uri): Target {
  const u = uri.clone();
  u.headers.clear();
  if (u.scheme === 'tel') return { ...from, kind: 'Number', number: u.user ?? '' };
  return { ...from, kind: 'User', uri: u.toString() };
}

/** The phone number or SIP URI of a target. */
function addressOf(t: Target): string {
  return t.kind === 'Number' ? t.number : t.uri;
}

/** Custom headers as X-VH-<name> (spec 1.9: emit X-VH-). */
function customHeaders(...sets: Array<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const set of sets) for (const [k, v] of Object.entries(set)) out[`X-VH-${k}`] = v;
  return out;
}

/** Digits with w (0.5 s) and W (1 s) pauses, to the callee. */
async function sendDigits(leg: OutboundLeg, digits: string, ctx: VerbContext): Promise<void> {
  for (const group of digits.match(/[wW]|[^wW]+/g) ?? []) {
    if (leg.state !== 'answered') return;
    if (group === 'w' || group === 'W') await pause(ctx, group === 'w' ? 500 : 1000);
    else await leg.sendDigits(group);
  }
}

/**
 * `<Dial>` (spec 2.5): rings every Number/User at once, connects the caller to the first
 * that answers (and confirms, with confirmSound/confirmKey), cancels the others, bridges
 * the media, and when either side leaves (or timeLimit, or `*` with hangupOnStar) tells
 * `action` how it went. The caller hears the callee's early media, a ringback tone, or the
 * dialMusic document while it rings; the call is answered when the callee answers.
 */
export const dialVerb: VerbHandler<DialVerb> = {
  needs: (_verb, call) => (call.answered ? 'answered' : 'early'),
  run: (verb, ctx) => new DialRun(verb, ctx).run(),
};

class DialRun {
  private readonly attempts: Attempt[];
  private ringback?: PromptsPlayback | { stop(): void };
  private earlyBridge?: MediaBridge;
  private readonly aLegUuid: string;
  private readonly redirects: RedirectBudget;
  private caller!: { id: string; name?: string };

  constructor(
    private readonly verb: DialVerb,
    private readonly ctx: VerbContext,
  ) {
    this.attempts = verb.targets.map((target) => ({ target, hop: 0 }));
    this.aLegUuid = ctx.callUuid;
    this.redirects = new RedirectBudget(verb.targets.map(addressOf));
  }

  async run(): Promise<VerbOutcome> {
    const { verb, ctx } = this;
    const params = ctx.params();
    this.caller = {
      id: verb.callerId ?? params.From ?? 'patchbay',
      name: verb.callerName ?? params.CallerName,
    };
    await Promise.all(this.attempts.map((a) => this.place(a)));
    const winner = await this.ring();
    this.stopRingback();
    if (!winner) return this.finish(this.failedStatus(), undefined);
    return this.connect(winner);
  }

  /** Sends the INVITE of one attempt; a routing or media failure ends it at once. */
  private async place(a: Attempt): Promise<void> {
    const { verb, ctx } = this;
    const auth = authOf(a.target);
    try {
      a.leg = await ctx.dialer.dial(
        {
          kind: a.target.kind,
          address: addressOf(a.target),
          headers: customHeaders(verb.sipHeaders, a.target.sipHeaders),
          ...(auth ? { auth } : {}),
        },
        this.caller,
      );
    } catch (err) {
      const routing = err instanceof DialError;
      ctx.log.warn({ target: a.target.path, err: (err as Error).message }, 'Dial target not called');
      a.end = { error: routing ? 'routing' : 'media' };
    }
  }

  /**
   * Rings every leg until one answers (and confirms), all fail, the ring timer, or the caller
   * leaves. A 3xx starts attempts for its Contacts (RFC 3261 8.1.3.4, within RedirectBudget).
   */
  private ring(): Promise<OutboundLeg | undefined> {
    const { verb, ctx } = this;
    const live = this.attempts.filter((a) => a.leg && !a.end);
    if (live.length === 0) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      let settled = false;
      let pending = live.length;
      const timer =
        verb.timeout !== undefined
          ? ctx.clock.setTimer(verb.timeout * 1000, () => stopAll({ ringTimeout: true }))
          : undefined;
      const onCallerGone = () => stopAll({ callerGone: true });
      ctx.signal.addEventListener('abort', onCallerGone, { once: true });
      const done = (winner: OutboundLeg | undefined) => {
        if (settled) return;
        settled = true;
        timer?.cancel();
        ctx.signal.removeEventListener('abort', onCallerGone);
        for (const a of live) if (a.leg !== winner && a.leg && a.leg.state !== 'ended') void a.leg.hangup();
        resolve(winner);
      };
      const stopAll = (why: AttemptEnd) => {
        for (const a of live) if (!a.end && a.leg?.state !== 'answered') a.end = why;
        done(undefined);
      };
      const failed = () => {
        pending--;
        if (pending === 0) done(undefined);
      };
      const follow = async (a: Attempt, leg: OutboundLeg): Promise<void> => {
        const next = this.redirects.next(leg.redirects, a.hop + 1);
        ctx.log.info(
          { target: a.target.path, status: leg.ended?.status, next: next.length },
          'Dial redirected',
        );
        const more = next.map((uri) => ({ target: redirected(a.target, uri), hop: a.hop + 1 }) as Attempt);
        this.attempts.push(...more);
        pending += more.length;
        await Promise.all(more.map((m) => this.place(m)));
        for (const m of more) {
          if (settled && m.leg) void m.leg.hangup();
          else if (m.leg && !m.end) track(m);
          else failed();
        }
        failed(); // the redirected attempt itself
      };
      const track = (a: Attempt) => {
        const leg = a.leg as OutboundLeg;
        live.push(a);
        leg.on('ringing', (early) => this.onRinging(leg, early));
        leg.answered.then(
          async () => {
            if (settled) return;
            void this.callback('answer', leg);
            if (!(await this.confirm(leg))) {
              a.end = { error: 'confirm' };
              void leg.hangup();
              failed();
              return;
            }
            done(leg);
          },
          () => {
            a.end ??= { ...(leg.ended?.status ? { status: leg.ended.status } : {}) };
            if (!settled && leg.redirects.length > 0) void follow(a, leg);
            else failed();
          },
        );
      };
      for (const a of live.splice(0)) track(a);
    });
  }

  /** What the caller hears while it rings: the callee's early media, a ringback tone, or dialMusic. */
  private onRinging(leg: OutboundLeg, early: boolean): void {
    const { verb, ctx } = this;
    if (this.ringback || this.earlyBridge) return;
    if (verb.dialMusic === 'real') {
      if (early) this.earlyBridge = ctx.engine.bridge(ctx.endpoint, leg.endpoint);
      else {
        const playback = ctx.endpoint.play([{ kind: 'tone', tone: 'ringback' }], {
          loop: 0,
          signal: ctx.signal,
        });
        this.ringback = { stop: () => playback.stop() };
      }
      return;
    }
    const holder: { stopped: boolean; playback?: PromptsPlayback } = { stopped: false };
    this.ringback = {
      stop: () => {
        holder.stopped = true;
        holder.playback?.stop();
      },
    };
    void ctx.loadSound(verb.dialMusic, 'POST').then(async (prompts) => {
      // Repeats the document until the dial is over.
      while (!holder.stopped && prompts.length > 0 && !ctx.signal.aborted) {
        holder.playback = playPrompts(prompts, ctx);
        await holder.playback.done;
      }
    });
  }

  private stopRingback(): void {
    this.ringback?.stop();
    this.ringback = undefined;
    this.earlyBridge?.destroy();
    this.earlyBridge = undefined;
  }

  /** confirmSound to the callee; with confirmKey it must press it, otherwise confirmTimeout accepts. */
  private async confirm(leg: OutboundLeg): Promise<boolean> {
    const { verb, ctx } = this;
    if (!verb.confirmSound) return true;
    const prompts = await ctx.loadSound(verb.confirmSound, 'POST');
    const signal = AbortSignal.any([ctx.signal]);
    const playback = playPrompts(prompts, { endpoint: leg.endpoint, log: ctx.log, signal });
    const key = verb.confirmKey;
    const accepted = await new Promise<boolean>((resolve) => {
      const timer = ctx.clock.setTimer(verb.confirmTimeout * 1000, () => finish(key === undefined));
      const off = key ? leg.endpoint.onDtmf((e) => e.digit === key && finish(true)) : () => {};
      const onEnd = () => finish(false);
      leg.once('end', onEnd);
      ctx.signal.addEventListener('abort', onEnd, { once: true });
      function finish(ok: boolean) {
        timer.cancel();
        off();
        leg.off('end', onEnd);
        ctx.signal.removeEventListener('abort', onEnd);
        resolve(ok);
      }
    });
    playback.stop();
    return accepted && leg.state === 'answered' && !ctx.signal.aborted;
  }

  /**
   * The caller and the callee talk until one leaves, timeLimit, or `*` with hangupOnStar.
   * Meanwhile the bridge is lent to the transfer service (Dialer.transfers): a REFER or an
   * INVITE with Replaces may put another leg on either side; the media follow, timeLimit and
   * hangupOnStar carry on, and the action hears about the last B-leg. A recording started on
   * answer keeps the two original endpoints.
   */
  private async connect(leg: OutboundLeg): Promise<VerbOutcome> {
    const { verb, ctx } = this;
    try {
      await ctx.answer();
    } catch {
      void leg.hangup();
      return this.finish('cancel', leg);
    }
    let aEndpoint: MediaEndpoint = ctx.endpoint;
    let peer: CallLeg = leg;
    let bridge = ctx.engine.bridge(aEndpoint, peer.endpoint);
    void this.callback('connected', leg);
    const target = this.attempts.find((a) => a.leg === leg)?.target;
    if (target?.sendDigits) ctx.background(sendDigits(leg, target.sendDigits, ctx));
    const recording = verb.record ? new AbortController() : undefined;
    if (verb.record && recording)
      recordOnDialAnswer(verb.record, { a: ctx.endpoint, b: leg.endpoint }, ctx, recording.signal);
    let digits = '';
    let held = false;
    let detached = false;
    type Reason = 'callee' | 'caller' | 'time-limit' | 'star' | 'transferred';
    let finish: (why: Reason) => void = () => {};
    const rebuild = () => {
      bridge.destroy();
      bridge = ctx.engine.bridge(aEndpoint, peer.endpoint);
    };
    const onDigit = (e: { digit: string }) => {
      if (verb.hangupOnStar && e.digit === '*') finish('star');
      digits = (digits + e.digit).slice(-32);
      const match = verb.digitsMatch.find((p) => digits.endsWith(p));
      if (match) {
        digits = '';
        void this.callback('digits', leg, { DialDigitsMatch: match, DialDigitsPressedBy: 'ALeg' });
      }
    };
    let offDigits = aEndpoint.onDtmf(onDigit);
    const onCallee = () => {
      if (!held) finish('callee');
    };
    const handle: BridgeHandle = {
      get peer() {
        return peer;
      },
      callLegReplaced: (l) => {
        aEndpoint = l.endpoint;
        offDigits();
        offDigits = aEndpoint.onDtmf(onDigit);
        rebuild();
      },
      holdPeer: () => {
        held = true;
        return {
          release: () => {
            held = false;
            if (peer.ended) finish('callee');
          },
        };
      },
      replacePeer: (l) => {
        peer.off('end', onCallee);
        peer = l;
        held = false;
        peer.on('end', onCallee);
        rebuild();
        if (peer.ended) finish('callee');
      },
      detachPeer: () => {
        detached = true;
        finish('transferred');
      },
    };
    const unregister = ctx.dialer.transfers?.bridged(ctx.callUuid, handle) ?? (() => {});
    const reason = await new Promise<Reason>((resolve) => {
      const timer = ctx.clock.setTimer(verb.timeLimit * 1000, () => finish('time-limit'));
      const onCaller = () => finish('caller');
      ctx.signal.addEventListener('abort', onCaller, { once: true });
      peer.on('end', onCallee);
      let over = false;
      finish = (why) => {
        if (over) return;
        over = true;
        timer.cancel();
        offDigits();
        ctx.signal.removeEventListener('abort', onCaller);
        peer.off('end', onCallee);
        resolve(why);
      };
      if (peer.ended) finish('callee');
    });
    unregister();
    bridge.destroy();
    recording?.abort(DIAL_OVER);
    if (!detached) await peer.hangup();
    const last = peer instanceof OutboundLeg ? peer : leg;
    ctx.log.info({ reason, bLeg: last.uuid }, 'Dial ended');
    return this.finish(
      'completed',
      last,
      reason === 'time-limit' ? HANGUP_CAUSES.scheduledHangup : undefined,
    );
  }

  private failedStatus(): DialStatus {
    return overallStatus(this.attempts.map((a) => attemptOutcome(a.end ?? {}).status));
  }

  /** Tells callbackUrl and action how the dial went; decides what the call does next. */
  private async finish(
    status: DialStatus,
    leg: OutboundLeg | undefined,
    cause?: HangupCause,
  ): Promise<VerbOutcome> {
    const { verb, ctx } = this;
    const attempt = leg ? undefined : this.attempts.find((a) => a.end);
    const hangupCause =
      cause ??
      (leg
        ? leg.ended?.by === 'remote' || leg.ended?.by === 'local'
          ? HANGUP_CAUSES.normal
          : HANGUP_CAUSES.networkError
        : attemptOutcome(attempt?.end ?? {}).cause);
    if (leg) void this.callback('hangup', leg, this.hangupFields(leg, hangupCause));
    if (!verb.action) return NEXT;
    const params: WebhookParams = {
      DialStatus: status,
      DialRingStatus: String(this.attempts.some((a) => a.leg?.ringed || a.leg?.answeredAt)),
      DialHangupCause: hangupCause.text,
      DialALegUUID: this.aLegUuid,
      DialBLegUUID: leg?.uuid ?? '',
    };
    return toAction(ctx, { url: verb.action, method: verb.method, redirect: verb.redirect }, params);
  }

  private hangupFields(leg: OutboundLeg, cause: HangupCause): WebhookParams {
    const end = leg.endedAt ?? new Date();
    const secs = leg.answeredAt ? Math.ceil((end.getTime() - leg.answeredAt.getTime()) / 1000) : 0;
    const by =
      leg.ended?.by === 'remote'
        ? 'Callee'
        : leg.ended?.by === 'local'
          ? this.ctx.signal.aborted
            ? 'Caller'
            : 'Vobiz'
          : 'Error';
    return {
      DialBLegDuration: String(secs),
      DialBLegBillDuration: String(secs),
      DialBLegHangupCauseName: cause.name,
      DialBLegHangupCauseCode: String(cause.code),
      DialBLegHangupSource: by,
    };
  }

  /** Dial callbackUrl events (spec 2.5): answer, connected, hangup, digits. */
  private async callback(
    action: 'answer' | 'connected' | 'hangup' | 'digits',
    leg: OutboundLeg,
    extra: WebhookParams = {},
  ) {
    const { verb, ctx } = this;
    if (!verb.callbackUrl) return;
    const status = action === 'digits' ? 'connected' : action;
    ctx.background(
      ctx.notify(verb.callbackUrl, verb.callbackMethod, {
        DialAction: action,
        DialBLegStatus: status,
        DialALegUUID: this.aLegUuid,
        DialBLegUUID: leg.uuid,
        DialBLegFrom: ctx.params().From ?? '',
        DialBLegTo: leg.request.uri,
        ...extra,
      }),
    );
  }
}
