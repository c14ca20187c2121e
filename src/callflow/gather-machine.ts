import type { Clock, TimerHandle } from '../util/clock.ts';

/**
 * The DTMF side of `<Gather>` (spec 2.4) as an explicit state machine. Sounds and timers are
 * its only effects: the verb plays what `play()` asks for and feeds digits in; timers run on
 * the injectable clock.
 *
 *   idle --start()--> prompting        (no prompts: beeping; no beep either: collecting)
 *
 *   prompting --prompts ended--> beeping (playBeep) --beep ended--> collecting
 *   prompting | beeping --digit (barge-in: stop the sound; the digit counts)--> collecting
 *
 *   collecting: arms executionTimeout on entry; each digit (re)arms digitEndTimeout
 *   collecting --finishOnKey | numDigits reached | digitEndTimeout
 *                | executionTimeout with digits--> submit
 *   collecting --executionTimeout, no digits--> attempt over
 *
 *   submit: digits all valid --> done(input)
 *           no digits, or a digit outside validDigits --> attempt over
 *
 *   attempt over, retries left: invalid --> rejecting (invalidDigitsSound) --ended--> prompting
 *                               otherwise --> prompting (a new attempt)
 *   attempt over, no retries left --> done(none)
 *
 *   any state --abort()--> done(aborted)     (stops the sound, cancels both timers)
 *
 * `executionTimeout` counts once the prompts (and beep) are over (spec 2.4: "counted after
 * the nested prompts finish"); a barge-in digit ends the prompts, so it starts then too.
 */
export type GatherState = 'idle' | 'prompting' | 'beeping' | 'collecting' | 'rejecting' | 'done';

/** What the machine asks to hear: the nested prompts, the beep, the invalid-input sound. */
export type GatherSound = 'prompts' | 'beep' | 'invalid';

export type GatherResult =
  | { kind: 'input'; digits: string; attempts: number }
  /** No (valid) input in any attempt: `invalid` when the last attempt had digits outside validDigits. */
  | { kind: 'none'; reason: 'timeout' | 'invalid'; attempts: number }
  | { kind: 'aborted'; attempts: number };

export interface GatherEffects {
  /** Starts `sound`; the promise settles when it ends, whatever the reason (finished, failed, stopped). */
  play(sound: GatherSound): Promise<unknown>;
  /** Stops the sound now playing (barge-in, abort). */
  stop(): void;
}

export interface GatherMachineOptions {
  /** After the prompts end, ms allowed for the input (spec 2.4 executionTimeout). */
  executionTimeoutMs: number;
  /** Gap allowed between digits before the digits so far are submitted. */
  digitEndTimeoutMs: number;
  /** Keys that submit; '' = no terminator. Not part of the digits. */
  finishOnKey: string;
  /** Submit as soon as this many digits were pressed. */
  numDigits: number;
  /** When set, an input with a digit outside it is invalid (extension, Plivo GetDigits). */
  validDigits?: string;
  /** Total attempts (>= 1). */
  attempts: number;
  /** Whether there are prompts to play (without them the machine goes straight on). */
  prompts: boolean;
  playBeep: boolean;
  /** Whether an invalid-input sound exists to play before a retry. */
  invalidSound: boolean;
}

export class GatherStateError extends Error {
  readonly code = 'GATHER_ILLEGAL_TRANSITION';

  constructor(from: GatherState, to: GatherState) {
    super(`Gather: illegal transition ${from} -> ${to}`);
    this.name = 'GatherStateError';
  }
}

const LEGAL: Readonly<Record<GatherState, readonly GatherState[]>> = {
  idle: ['prompting', 'beeping', 'collecting', 'done'],
  prompting: ['beeping', 'collecting', 'done'],
  beeping: ['collecting', 'done'],
  // A retry without prompts or beep re-enters collecting.
  collecting: ['prompting', 'beeping', 'collecting', 'rejecting', 'done'],
  rejecting: ['prompting', 'beeping', 'collecting', 'done'],
  done: [],
};

export class GatherMachine {
  private stateNow: GatherState = 'idle';
  private digits = '';
  private attempt = 0;
  /** Identifies the sound now playing, so the end of a sound stopped earlier is ignored. */
  private soundToken = 0;
  private executionTimer: TimerHandle | undefined;
  private digitTimer: TimerHandle | undefined;
  private resolve!: (r: GatherResult) => void;
  readonly result: Promise<GatherResult>;

  constructor(
    private readonly opts: GatherMachineOptions,
    private readonly effects: GatherEffects,
    private readonly clock: Clock,
  ) {
    this.result = new Promise((r) => {
      this.resolve = r;
    });
  }

  get state(): GatherState {
    return this.stateNow;
  }

  /** The attempt running (1-based; 0 before start). */
  get attempts(): number {
    return this.attempt;
  }

  start(): void {
    if (this.stateNow !== 'idle') return;
    this.startAttempt();
  }

  /** A key the caller pressed. */
  digit(d: string): void {
    switch (this.stateNow) {
      case 'prompting':
      case 'beeping':
        // Barge-in: the key stops the prompts and is the first digit.
        this.effects.stop();
        this.enterCollecting();
        this.collect(d);
        return;
      case 'collecting':
        this.collect(d);
        return;
      default:
        // Not listening (before start, during the invalid sound, after the end).
        return;
    }
  }

  /** The call ended: stop sounds and timers, at once. */
  abort(): void {
    if (this.stateNow === 'done') return;
    if (this.stateNow === 'prompting' || this.stateNow === 'beeping' || this.stateNow === 'rejecting') {
      this.effects.stop();
    }
    this.finish({ kind: 'aborted', attempts: this.attempt });
  }

  private startAttempt(): void {
    this.attempt++;
    this.digits = '';
    if (this.opts.prompts) this.playIn('prompting', 'prompts', () => this.afterPrompts());
    else this.afterPrompts();
  }

  private afterPrompts(): void {
    if (this.opts.playBeep) this.playIn('beeping', 'beep', () => this.enterCollecting());
    else this.enterCollecting();
  }

  /** Enters `state` and plays `sound`; `next` runs when it ends, unless the machine moved on. */
  private playIn(state: GatherState, sound: GatherSound, next: () => void): void {
    this.transition(state);
    const token = ++this.soundToken;
    this.effects.play(sound).then(
      () => this.soundEnded(token, state, next),
      () => this.soundEnded(token, state, next),
    );
  }

  private soundEnded(token: number, state: GatherState, next: () => void): void {
    if (token !== this.soundToken || this.stateNow !== state) return;
    next();
  }

  private enterCollecting(): void {
    this.soundToken++;
    this.transition('collecting');
    this.executionTimer = this.clock.setTimer(this.opts.executionTimeoutMs, () => {
      this.executionTimer = undefined;
      this.submit();
    });
  }

  private collect(d: string): void {
    if (this.opts.finishOnKey !== '' && this.opts.finishOnKey.includes(d)) {
      this.submit();
      return;
    }
    this.digits += d;
    if (this.digits.length >= this.opts.numDigits) {
      this.submit();
      return;
    }
    this.digitTimer?.cancel();
    this.digitTimer = this.clock.setTimer(this.opts.digitEndTimeoutMs, () => {
      this.digitTimer = undefined;
      this.submit();
    });
  }

  /** The attempt's input is in (or its time ran out): done, or the next attempt. */
  private submit(): void {
    this.cancelTimers();
    const digits = this.digits;
    const valid = this.opts.validDigits;
    const invalid = digits !== '' && valid !== undefined && [...digits].some((d) => !valid.includes(d));
    if (digits !== '' && !invalid) {
      this.finish({ kind: 'input', digits, attempts: this.attempt });
      return;
    }
    if (this.attempt >= this.opts.attempts) {
      this.finish({ kind: 'none', reason: invalid ? 'invalid' : 'timeout', attempts: this.attempt });
      return;
    }
    if (invalid && this.opts.invalidSound) this.playIn('rejecting', 'invalid', () => this.startAttempt());
    else this.startAttempt();
  }

  private finish(result: GatherResult): void {
    this.cancelTimers();
    this.soundToken++;
    this.transition('done');
    this.resolve(result);
  }

  private cancelTimers(): void {
    this.executionTimer?.cancel();
    this.executionTimer = undefined;
    this.digitTimer?.cancel();
    this.digitTimer = undefined;
  }

  private transition(to: GatherState): void {
    if (!LEGAL[this.stateNow].includes(to)) throw new GatherStateError(this.stateNow, to);
    this.stateNow = to;
  }
}
