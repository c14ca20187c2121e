import { setMaxListeners } from 'node:events';
import type { Verb } from '../../schemas/xml/index.ts';
import type { Call, CallEnd } from '../calls/call.ts';
import type { CallLeg } from '../calls/call-leg.ts';
import type { Dialer } from '../calls/dialer.ts';
import { HANGUP_CAUSES } from '../calls/hangup-cause.ts';
import { watchMediaTimeout } from '../calls/media-timeout.ts';
import type { Application } from '../calls/routing.ts';
import { type TransferHooks, transferParams } from '../calls/transfer/transfer-types.ts';
import type { MediaEngine } from '../media/media-engine.ts';
import { CallStreams } from '../media/stream/call-streams.ts';
import type { Clock } from '../util/clock.ts';
import type { Webhooks } from '../webhooks/webhook-types.ts';
import { DocumentLoader, type DocumentRequest } from './document-loader.ts';
import { hangupParams, standardParams } from './params.ts';
import type {
  CallflowSettings,
  HttpMethod,
  RecordingFiles,
  VerbContext,
  VerbNeed,
  VerbOutcome,
} from './verb.ts';
import { verbHandler } from './verbs/index.ts';

export interface CallFlowDeps {
  webhooks: Webhooks;
  dialer: Dialer;
  engine: MediaEngine;
  recordings: RecordingFiles;
  settings: CallflowSettings;
  clock: Clock;
  authId: string;
}

/**
 * Where a call's first document comes from: the application's answer URL (Event=StartApp,
 * with its fallback), or a transfer URL (REST 2.9 bleg_url: a Dial's B-leg made a call of its
 * own; no fallback, and a failure ends it with the transfer causes 7013/7023/7033/8013).
 */
export type FirstDocument = { kind: 'answer' } | { kind: 'transfer'; url: string; method: HttpMethod };

/** SIP answers for the two reasons `<Hangup>` may give before answer (spec 2.11). */
const REJECT = {
  rejected: { status: 603, reason: 'Decline' },
  busy: { status: 486, reason: 'Busy Here' },
} as const;

/**
 * Runs an application's documents against one call: fetch the answer URL, run the verbs in
 * order, follow action and Redirect URLs, and end the call when the document runs out, a
 * verb hangs up, a document cannot be had, or the caller hangs up. Whatever ends it, the
 * hangup URL hears about it once.
 */
export class CallFlow {
  private readonly loader: DocumentLoader;
  /**
   * The signal of the documents fetched and the verbs run: aborted when the call ends and
   * when a transfer (REST 2.9) cuts the step under way short, then replaced by a new one.
   */
  private step!: AbortController;
  private unlinkStep: () => void = () => {};
  private transferTo?: DocumentRequest;

  /** The call's WebSocket streams, started by `<Stream>` or the REST API. */
  readonly streams: CallStreams;

  constructor(
    private readonly call: Call,
    private readonly app: Application,
    private readonly deps: CallFlowDeps,
    private readonly first: FirstDocument = { kind: 'answer' },
  ) {
    this.loader = new DocumentLoader(deps.webhooks, call.log);
    this.newStep();
    this.streams = new CallStreams({
      callUuid: call.uuid,
      accountId: deps.authId,
      endpoint: () => call.endpoint,
      clock: deps.clock,
      log: call.log,
      egress: deps.webhooks.egress,
      notify: async (url, method, params) => {
        await deps.webhooks.notify({
          url,
          method,
          params: Object.assign(this.params(), params),
          purpose: 'callback',
          callUuid: call.uuid,
        });
      },
    });
  }

  /** The application whose documents run (its hangup and transfer URLs). */
  get application(): Application {
    return this.app;
  }

  /**
   * What the transfer service may do with this call: ask the application's transfer URL
   * (a document whose first verb is <Hangup> refuses; an error refuses), tell it the outcome,
   * and cut the running verb short when the caller's leg was replaced outside a Dial.
   */
  private transferHooks(): TransferHooks {
    const { app, call, deps } = this;
    const url = app.transferUrl;
    const method = app.transferMethod ?? 'POST';
    return {
      ...(url
        ? {
            ask: async (info) => {
              const params = Object.assign(this.params(), transferParams(info, 'requested'));
              const doc = await this.loader.load({ url, method, params, purpose: 'transfer' }, call.signal);
              return doc.ok && doc.verbs[0]?.verb !== 'Hangup';
            },
            tell: (info, status, extra) => {
              const params = Object.assign(this.params(), transferParams(info, status), extra);
              call.track(
                deps.webhooks.notify({ url, method, params, purpose: 'callback', callUuid: call.uuid }),
              );
            },
          }
        : {}),
      cutVerb: () => {
        const cut = this.step;
        this.newStep();
        cut.abort(new Error('the caller was transferred'));
      },
    };
  }

  /** Resolves once the call has ended and the hangup URL was notified. Never rejects. */
  async run(): Promise<CallEnd> {
    watchMediaTimeout(this.call, this.deps.clock, this.deps.settings.mediaTimeoutMs ?? 0);
    // Transfers by SIP REFER / Replaces (task X): the hub follows the call until it ends.
    this.deps.dialer.transfers?.watch(this.call, this.transferHooks());
    try {
      await this.drive();
    } catch (err) {
      this.call.log.error({ err }, 'call flow failed');
      void this.call.hangup({
        cause: HANGUP_CAUSES.internalError,
        source: 'Error',
        detail: `internal error: ${(err as Error).message}`,
        reject: { status: 500 },
      });
    }
    // drive() returns once the call is over and its last verb has returned, so whatever
    // that verb left in the background (a recording's action) is tracked by now.
    const end = await this.call.whenEnded();
    this.streams.close();
    this.call.track(this.streams.settled());
    await this.call.drain();
    return this.notifyHangup(end);
  }

  /**
   * Cuts the running verb (or the fetch under way) short and runs the document at `url`
   * instead (REST 2.9). False once the call is ending.
   */
  transfer(url: string, method: HttpMethod): boolean {
    if (this.call.end) return false;
    this.transferTo = { url, method, params: this.params(), purpose: 'transfer' };
    this.step.abort(new Error('transferred'));
    return true;
  }

  /** The transfer asked for, if any; the next step gets a fresh signal. */
  private takeTransfer(): DocumentRequest | undefined {
    const next = this.transferTo;
    if (!next) return undefined;
    this.transferTo = undefined;
    this.newStep();
    // Taken now, so the document sees the call as it is when it is fetched.
    return { ...next, params: this.params() };
  }

  private stepSignal(): AbortSignal {
    return this.step.signal;
  }

  /**
   * One controller for the steps until a transfer, aborted with the call by its ending hook
   * (an AbortSignal.any per verb cost about 10 us and a few weak references each; the call's
   * own signal is not even made unless a verb asks for it). Verbs remove the listeners they
   * add, so a long document leaves none behind.
   */
  private newStep(): void {
    this.unlinkStep();
    const step = new AbortController();
    setMaxListeners(100, step.signal);
    this.unlinkStep = this.call.onEnding((reason) => step.abort(reason));
    this.step = step;
  }

  private async drive(): Promise<void> {
    const call = this.call;
    const first = this.first;
    let req: DocumentRequest =
      first.kind === 'transfer'
        ? { url: first.url, method: first.method, params: this.params(), purpose: 'transfer' }
        : {
            url: this.app.answerUrl,
            method: this.app.answerMethod,
            params: Object.assign(this.params(), { Event: 'StartApp' }),
            purpose: 'answer',
            ...(this.app.fallbackUrl
              ? { fallback: { url: this.app.fallbackUrl, method: this.app.fallbackMethod } }
              : {}),
          };
    let answerDocument = first.kind === 'answer';
    for (;;) {
      const loaded = await this.loader.load(req, this.stepSignal());
      if (call.end) return;
      const transfer = this.takeTransfer();
      if (transfer) {
        req = transfer;
        answerDocument = false;
        continue;
      }
      if (!loaded.ok) {
        await call.hangup({
          cause: loaded.cause,
          source: 'Error',
          detail: loaded.reason,
          reject: { status: 480 },
        });
        return;
      }
      const outcome = await this.runVerbs(loaded.verbs, answerDocument);
      if (call.end) return;
      answerDocument = false;
      const transferred = this.takeTransfer();
      if (transferred) {
        req = transferred;
        continue;
      }
      if (outcome.kind === 'fetch') {
        req = { url: outcome.url, method: outcome.method, params: outcome.params, purpose: outcome.purpose };
        continue;
      }
      if (outcome.kind === 'hangup') {
        await call.hangup({
          cause: HANGUP_CAUSES[outcome.cause],
          source: outcome.source,
          detail: 'ended by the document',
          ...(outcome.reject ? { reject: REJECT[outcome.reject] } : {}),
        });
        return;
      }
      // The document ran out (spec 1.2 step 6; an empty document too, spec 4).
      await call.hangup({
        cause: HANGUP_CAUSES.endOfXml,
        source: 'Vobiz',
        detail: 'no more instructions',
        reject: { status: 480, reason: 'End Of XML Instructions' },
      });
      return;
    }
  }

  private async runVerbs(verbs: readonly Verb[], answerDocument: boolean): Promise<VerbOutcome> {
    for (let i = 0; i < verbs.length; i++) {
      const verb = verbs[i];
      if (this.call.end || this.transferTo) break;
      const handler = verbHandler(verb.verb);
      if (!handler) {
        this.call.log.error(
          { verb: verb.verb, at: verb.path },
          `<${verb.verb}> is not available in this version: skipped`,
        );
        continue;
      }
      const need =
        typeof handler.needs === 'function'
          ? handler.needs(verb as never, { answered: this.call.answered, first: answerDocument && i === 0 })
          : handler.needs;
      if (!(await this.provide(need))) break;
      const started = performance.now();
      // Each verb has its own signal: it aborts when the call ends or a transfer cuts in.
      const signal = this.stepSignal();
      let outcome: VerbOutcome;
      try {
        outcome = await handler.run(verb as never, this.context(signal));
      } catch (err) {
        if (signal.aborted) break;
        this.call.log.error({ err, verb: verb.verb, at: verb.path }, 'verb failed: going on with the next');
        continue;
      }
      this.call.log.debug(
        { verb: verb.verb, at: verb.path, ms: Math.round(performance.now() - started) },
        'verb done',
      );
      if (outcome.kind !== 'next') return outcome;
    }
    return { kind: 'next' };
  }

  /** Gives the call what the verb needs; false when the call ended meanwhile. */
  private async provide(need: VerbNeed): Promise<boolean> {
    const call = this.call;
    if (call.end) return false;
    try {
      if (need === 'answered' && !call.answered) await call.answer();
      else if (need === 'early' && !call.answered) call.preAnswer();
    } catch (err) {
      call.log.info({ err }, 'the call could not be answered');
      return false;
    }
    return !call.end;
  }

  private context(signal: AbortSignal): VerbContext {
    const call = this.call;
    const deps = this.deps;
    return {
      callUuid: call.uuid,
      endpoint: call.endpoint,
      engine: deps.engine,
      signal,
      get callSignal() {
        return call.signal;
      },
      onLegReplaced: (listener) => {
        const onReplaced = (leg: CallLeg): void => listener(leg.endpoint);
        call.on('leg-replaced', onReplaced);
        return () => call.off('leg-replaced', onReplaced);
      },
      clock: deps.clock,
      log: call.log,
      recordings: deps.recordings,
      settings: deps.settings,
      streams: this.streams,
      get answered() {
        return call.answered;
      },
      params: () => this.params(),
      notify: async (url, method, extra) => {
        await deps.webhooks.notify({
          url,
          method,
          params: Object.assign(this.params(), extra),
          purpose: 'callback',
          callUuid: call.uuid,
        });
      },
      background: (task) => call.track(task),
      dialer: deps.dialer,
      answer: () => call.answer(),
      preAnswer: () => {
        if (call.end) return false;
        if (!call.answered) call.preAnswer();
        return true;
      },
      loadSound: (url, method) => this.loader.loadSound(url, method, this.params(), call.signal),
      scheduleHangup: (ms) => {
        const timer = deps.clock.setTimer(ms, () => {
          void call.hangup({
            cause: HANGUP_CAUSES.normal,
            source: 'Answer XML',
            detail: 'scheduled hangup',
            reject: REJECT.rejected,
          });
        });
        call.onEnding(() => timer.cancel());
      },
    };
  }

  /** A new object on every call: callers add their own keys to it. */
  private params() {
    return standardParams(this.call, this.deps.authId);
  }

  private async notifyHangup(end: CallEnd): Promise<CallEnd> {
    if (!this.app.hangupUrl) return end;
    const result = await this.deps.webhooks.notify({
      url: this.app.hangupUrl,
      method: this.app.hangupMethod,
      params: hangupParams(this.call, end, this.deps.authId),
      purpose: 'hangup',
      callUuid: this.call.uuid,
    });
    if (!result.ok) this.call.log.warn({ attempts: result.attempts }, 'hangup URL not reached');
    return end;
  }
}
