import type { WaitVerb } from '../../../schemas/xml/index.ts';
import { BeepDetector } from '../../media/detect/beep-detector.ts';
import { SilenceDetector } from '../../media/detect/silence-detector.ts';
import type { TimerHandle } from '../../util/clock.ts';
import { NEXT, pause, type VerbContext, type VerbHandler, type VerbOutcome } from '../verb.ts';

/** Why a listening Wait ended. */
type Ending = 'length' | 'silence' | 'beep' | 'aborted';

/**
 * `<Wait>` (spec 2.3): a pause of `length` seconds. With silence="true" it ends once
 * `minSilence` ms of continuous silence are heard from the caller; with beep="true" once an
 * answering-machine beep has sounded (and ended), so that what follows lands after it in the
 * voicemail. Either is bounded by `length`. Both true: they are mutually exclusive and
 * silence wins (the schema warns as well).
 *
 * As the first verb of the answer document of an unanswered call it needs nothing: the
 * caller keeps ringing for `length` seconds, then the next verb answers. There is no
 * caller audio before the answer (and in PreAnswer only early media we send), so a Wait on
 * an unanswered call always lasts `length`: listening for silence there would cut the
 * ringing short.
 */
export const waitVerb: VerbHandler<WaitVerb> = {
  needs: (_verb, { answered, first }) => (first && !answered ? 'none' : 'answered'),
  async run(verb: WaitVerb, ctx: VerbContext): Promise<VerbOutcome> {
    const lengthMs = verb.length * 1000;
    if (verb.silence && verb.beep) {
      ctx.log.warn({ at: verb.path }, 'Wait: silence and beep are mutually exclusive; waiting for silence');
    }
    if ((!verb.silence && !verb.beep) || !ctx.answered) {
      await pause(ctx, lengthMs);
      return NEXT;
    }
    const startedAt = ctx.clock.now();
    const ending = await (verb.silence
      ? waitForSilence(ctx, lengthMs, verb.minSilence)
      : waitForBeep(ctx, lengthMs));
    ctx.log.debug({ at: verb.path, ending, waitedMs: ctx.clock.now() - startedAt }, 'Wait ended');
    return NEXT;
  },
};

/** Ends at `minSilenceMs` of continuous silence (no frames at all counts), at most `lengthMs`. */
function waitForSilence(ctx: VerbContext, lengthMs: number, minSilenceMs: number): Promise<Ending> {
  const listening = new Listening(ctx, lengthMs);
  const detector = new SilenceDetector({ minSilenceMs, startMs: ctx.clock.now() });
  // One timer at the time the silence would be complete; a loud frame in between only
  // moves that time, so the timer re-arms itself when it finds it early. Frames are timed
  // on ctx.clock, the timers' clock (the endpoint's atMs is on the RTP session's own clock).
  let timer: TimerHandle | undefined;
  const arm = () => {
    timer = ctx.clock.setTimer(Math.max(0, detector.dueAtMs - ctx.clock.now()), () => {
      timer = undefined;
      if (detector.check(ctx.clock.now())) listening.end('silence');
      else arm();
    });
  };
  listening.onEnd(() => timer?.cancel());
  listening.onEnd(
    ctx.endpoint.onAudio('in', (samples) => {
      if (detector.push(samples, ctx.clock.now())) listening.end('silence');
    }),
  );
  if (listening.listening) arm();
  return listening.done;
}

/** Ends when a beep has sounded (see BeepDetector), at most `lengthMs`. */
function waitForBeep(ctx: VerbContext, lengthMs: number): Promise<Ending> {
  const listening = new Listening(ctx, lengthMs);
  const detector = new BeepDetector();
  listening.onEnd(
    ctx.endpoint.onAudio('in', (samples) => {
      const beep = detector.push(samples, ctx.clock.now());
      if (!beep) return;
      ctx.log.debug(
        { frequency: beep.frequency, durationMs: beep.durationMs, ended: beep.ended },
        'Wait: beep heard',
      );
      listening.end('beep');
    }),
  );
  return listening.done;
}

type State = 'listening' | 'ended';

const MOVES: Readonly<Record<State, readonly State[]>> = { listening: ['ended'], ended: [] };

/**
 * The common part of a listening Wait: the `length` timer, the call's abort, and one
 * idempotent end that undoes everything registered (listeners, timers).
 *
 *   +-----------+  detector fired / length over / call ended  +-------+
 *   | listening | ------------------------------------------> | ended |
 *   +-----------+                                             +-------+
 */
class Listening {
  readonly done: Promise<Ending>;
  private resolve!: (e: Ending) => void;
  private state: State = 'listening';
  private readonly cleanups: Array<() => void> = [];

  constructor(ctx: VerbContext, lengthMs: number) {
    this.done = new Promise((r) => {
      this.resolve = r;
    });
    if (ctx.signal.aborted) {
      this.end('aborted');
      return;
    }
    const onAbort = () => this.end('aborted');
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    this.cleanups.push(() => ctx.signal.removeEventListener('abort', onAbort));
    const lengthTimer = ctx.clock.setTimer(lengthMs, () => this.end('length'));
    this.cleanups.push(() => lengthTimer.cancel());
  }

  get listening(): boolean {
    return this.state === 'listening';
  }

  /** Runs `cleanup` at the end (at once if it came already). */
  onEnd(cleanup: () => void): void {
    if (this.state === 'ended') cleanup();
    else this.cleanups.push(cleanup);
  }

  end(how: Ending): void {
    if (this.state === 'ended') return;
    this.transition('ended');
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.resolve(how);
  }

  private transition(to: State): void {
    if (!MOVES[this.state].includes(to)) {
      throw Object.assign(new Error(`Wait: ${this.state} -> ${to} is not a legal move`), { code: 'STATE' });
    }
    this.state = to;
  }
}
