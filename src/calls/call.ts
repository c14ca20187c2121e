import { randomUUID } from 'node:crypto';
import { EventEmitter, setMaxListeners } from 'node:events';
import type { MediaEndpoint } from '../media/media-engine.ts';
import { type Logger, lazyChild } from '../util/log.ts';
import type { CallLeg, LegEnd } from './call-leg.ts';
import type { CallParties } from './call-parties.ts';
import { causeOfSipStatus, HANGUP_CAUSES, type HangupCause, type HangupSource } from './hangup-cause.ts';

export type CallDirection = 'inbound' | 'outbound';

/** Why and by whom the call ended. */
export interface CallEnd {
  cause: HangupCause;
  source: HangupSource;
  /** For logs: what happened, in words. */
  detail: string;
}

/** A request to end the call; `reject` is the SIP answer when it was never answered. */
export interface HangupRequest extends CallEnd {
  reject?: { status: number; reason?: string };
}

interface CallEvents {
  /** Once, after the leg is down. */
  ended: [end: CallEnd];
  /** Once, when the call is answered. */
  answered: [];
  /** A transfer put another leg in the place of the one the call had. */
  'leg-replaced': [leg: CallLeg, previous: CallLeg];
}

export interface CallOptions {
  uuid?: string;
  /** `inbound` for a call that came to us; `outbound` for one the API placed. */
  direction?: CallDirection;
  /**
   * A call made of a leg that is up already (a Dial's B-leg given a document of its own,
   * REST 2.9 legs=bleg): when that leg was placed and answered. The call is answered from
   * the start; answer() emits no 'answered'.
   */
  startedAt?: Date;
  answeredAt?: Date;
}

/** Background work gets this long after hangup to finish (a recording's callbacks). */
const BACKGROUND_GRACE_MS = 30_000;

/**
 * One call (one CallUUID) and its caller's leg. It stays thin: it knows who called whom,
 * when, and how it ended; the document runner drives it and the leg talks SIP.
 * `hangup()` is the one way down: idempotent, whoever calls it first names the cause.
 */
export class Call extends EventEmitter<CallEvents> {
  readonly uuid: string;
  readonly direction: CallDirection;
  readonly startedAt: Date;
  answeredAt?: Date;
  endedAt?: Date;
  readonly log: Logger;
  /** Made when `signal` is first asked for: the call flow itself hooks in with `onEnding`. */
  private abortCtl?: AbortController;
  private endingHooks?: ((reason: Error) => void)[];
  private readonly background = new Set<Promise<unknown>>();
  private ending?: Promise<CallEnd>;
  private endValue?: CallEnd;

  private current: CallLeg;
  private readonly onLegEnd = (end: LegEnd): void => {
    if (!this.endValue) void this.hangup(remoteEnd(end, this.answeredAt !== undefined, this.direction));
  };

  constructor(
    readonly parties: CallParties,
    leg: CallLeg,
    log: Logger,
    options: CallOptions = {},
  ) {
    super();
    this.uuid = options.uuid ?? randomUUID();
    this.direction = options.direction ?? 'inbound';
    this.startedAt = options.startedAt ?? new Date();
    if (options.answeredAt) this.answeredAt = options.answeredAt;
    this.log = lazyChild(log, { callUuid: this.uuid });
    this.current = leg;
    leg.on('end', this.onLegEnd);
  }

  /** The leg the call talks to now. */
  get leg(): CallLeg {
    return this.current;
  }

  get endpoint(): MediaEndpoint {
    return this.current.endpoint;
  }

  /**
   * Puts an answered leg in the place of the current one (a transfer: RFC 3515 REFER, or an
   * INVITE with Replaces, RFC 3891). The old leg no longer ends the call; releasing it is
   * the caller's job. Listeners of 'leg-replaced' move what was attached to the old endpoint.
   */
  replaceLeg(leg: CallLeg): CallLeg {
    const previous = this.current;
    if (this.ending) throw new Error('the call is ending');
    previous.off('end', this.onLegEnd);
    this.current = leg;
    leg.on('end', this.onLegEnd);
    this.emit('leg-replaced', leg, previous);
    if (leg.ended) this.onLegEnd(leg.ended);
    return previous;
  }

  /** Aborts when the call ends: verbs, prompts, background recordings and fetches listen to it. */
  get signal(): AbortSignal {
    let ctl = this.abortCtl;
    if (!ctl) {
      ctl = new AbortController();
      // Listeners remove themselves; a long call may have many at once.
      setMaxListeners(100, ctl.signal);
      if (this.endValue) ctl.abort(endedReason(this.endValue.cause));
      this.abortCtl = ctl;
    }
    return ctl.signal;
  }

  /**
   * Runs `hook` once when the call starts to end, just before `signal` aborts, with the abort
   * reason (at once if it is ending already); returns what removes it. For the call's own
   * machinery (its flow's steps): an AbortController and an abort event per call cost more.
   */
  onEnding(hook: (reason: Error) => void): () => void {
    if (this.endValue) {
      hook(endedReason(this.endValue.cause));
      return noop;
    }
    this.endingHooks ??= [];
    const hooks = this.endingHooks;
    hooks.push(hook);
    return () => {
      const i = hooks.indexOf(hook);
      if (i >= 0) hooks.splice(i, 1);
    };
  }

  get answered(): boolean {
    return this.answeredAt !== undefined;
  }

  /** Set once hangup() has started. */
  get end(): CallEnd | undefined {
    return this.endValue;
  }

  /** `ringing` until answered, `in-progress` while up, `completed` after (spec 1.8). */
  get status(): 'ringing' | 'in-progress' | 'completed' {
    if (this.endValue) return 'completed';
    return this.answered ? 'in-progress' : 'ringing';
  }

  async answer(): Promise<void> {
    if (this.ending) throw new Error('the call is ending');
    await this.current.answer();
    if (this.answeredAt) return;
    this.answeredAt = new Date();
    this.emit('answered');
  }

  preAnswer(): void {
    if (this.ending) return;
    this.current.preAnswer();
  }

  /** Work that may outlive the verb that started it but is waited for (bounded) at hangup. */
  track(task: Promise<unknown>): void {
    const p = task.catch((err) => this.log.warn({ err }, 'background task failed'));
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
  }

  hangup(req: HangupRequest): Promise<CallEnd> {
    if (!this.ending) {
      // Set before anything runs: the leg's own 'end' event must not start a second hangup.
      this.endValue = { cause: req.cause, source: req.source, detail: req.detail };
      this.endedAt = new Date();
      this.ending = this.runHangup(req);
    }
    return this.ending;
  }

  /**
   * Waits for the background work (a recording's callbacks ...) to finish, at most
   * BACKGROUND_GRACE_MS; the hangup URL is told after it, so it is the last request.
   */
  async drain(): Promise<void> {
    if (this.background.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise((r) => {
      timer = setTimeout(r, BACKGROUND_GRACE_MS);
    });
    await Promise.race([Promise.allSettled([...this.background]), grace]);
    clearTimeout(timer);
  }

  /** Resolves with the end once the call is over. */
  whenEnded(): Promise<CallEnd> {
    return this.ending ?? new Promise((resolve) => this.once('ended', resolve));
  }

  private async runHangup(req: HangupRequest): Promise<CallEnd> {
    const end = this.endValue as CallEnd;
    this.log.info(
      { cause: end.cause.text, code: end.cause.code, source: end.source, detail: end.detail },
      'call ended',
    );
    const reason = endedReason(end.cause);
    const hooks = this.endingHooks;
    this.endingHooks = undefined;
    if (hooks) {
      for (const hook of hooks) {
        try {
          hook(reason);
        } catch (err) {
          this.log.error({ err }, 'call ending hook failed');
        }
      }
    }
    this.abortCtl?.abort(reason);
    await this.current.hangup(req.reject ?? { status: 480 });
    this.emit('ended', end);
    return end;
  }
}

const noop = (): void => {};

/** The abort reason of a call's signal per hangup cause: made once, not a stack per call. */
const ENDED_REASONS = new Map<string, Error>();

function endedReason(cause: HangupCause): Error {
  let reason = ENDED_REASONS.get(cause.name);
  if (!reason) {
    reason = Object.freeze(
      Object.assign(new Error(`call ended: ${cause.name}`), { code: 'CALL_ENDED' as const }),
    );
    ENDED_REASONS.set(cause.name, reason);
  }
  return reason;
}

/** The cause of a leg that the peer (or the network) ended. */
function remoteEnd(end: LegEnd, answered: boolean, direction: CallDirection): HangupRequest {
  if (direction === 'outbound') {
    // An API call's leg is the callee's: its final answer names the cause (rest-api 6.4).
    if (answered || end.by === 'remote') {
      const cause = answered || !end.status ? HANGUP_CAUSES.normal : causeOfSipStatus(end.status);
      return { cause, source: 'Callee', detail: end.detail };
    }
  } else if (end.by === 'remote') {
    return answered
      ? { cause: HANGUP_CAUSES.normal, source: 'Caller', detail: end.detail }
      : { cause: HANGUP_CAUSES.canceled, source: 'Caller', detail: end.detail };
  }
  if (end.status === 408) return { cause: HANGUP_CAUSES.requestTimeout, source: 'Error', detail: end.detail };
  return { cause: HANGUP_CAUSES.networkError, source: 'Error', detail: end.detail };
}
