import { DetectorError } from './silence-detector.ts';

export interface BeepDetectorOptions {
  /** Shortest tone that is a beep (ms). Default 250. */
  minToneMs?: number;
  /** A tone still on after this long is reported without waiting for its end (ms). Default 3000. */
  maxToneMs?: number;
}

/** An answering-machine beep: one steady tone, reported once when it ends (or has lasted maxToneMs). */
export interface BeepDetection {
  /** Tone frequency, Hz. */
  frequency: number;
  /** When the tone began, on the timeline of the `atMs` given to push (ms). */
  startMs: number;
  durationMs: number;
  /** False when reported because it lasted maxToneMs and is still on. */
  ended: boolean;
}

const RATE = 8000;
/** 20 ms blocks: bins 50 Hz wide, enough to tell a drifting voice harmonic from a held tone. */
const BLOCK = 160;
const BLOCK_MS = (BLOCK * 1000) / RATE;
/** Beep frequencies (the usual answering-machine range), with a margin for the estimate. */
const MIN_FREQ = 400 * 0.97;
const MAX_FREQ = 2100 * 1.03;
/** The coarse bank: 25 Hz apart (a tone between two loses at most 0.9 dB), refined afterwards. */
const BANK_STEP = 25;
const BANK_FROM = 375;
const BANK_TO = 2175;
/** Weakest beep: about -40 dBov (rms 328), 5 dB over the silence level of silence-detector.ts. */
const MIN_TONE_POWER = 328 ** 2;
/**
 * Share of the block's energy (DC removed) that the tone and its harmonics must hold. A
 * clean tone anywhere in the range reads at least 0.978 (the estimate's worst case), one
 * with noise 15 dB below it 0.95; a square-wave beep counts its odd harmonics. DTMF reads
 * at most 0.877 (its stronger tone with 8 dB of twist, the most Q.24 allows, every key and
 * phase tried); speech far less, its energy spread over many harmonics of a low pitch.
 */
const MIN_TONE_SHARE = 0.93;
/** The fundamental alone must hold this much: a harmonic-rich sound is no beep. */
const MIN_FUNDAMENTAL_SHARE = 0.6;
/** Harmonics counted with the tone, below this frequency (the telephone band's edge). */
const MAX_HARMONIC = 3800;
/** A block belongs to the tone when its frequency is within this share (or 12 Hz) of the tone's first block. */
const FREQ_TOLERANCE = 0.02;
const MIN_FREQ_TOLERANCE_HZ = 12;
/** Blocks without the tone after which it has ended; one bad block (a lost packet) does not split it. */
const END_MISSES = 2;

type State = 'idle' | 'candidate' | 'beep' | 'done';

const MOVES: Readonly<Record<State, readonly State[]>> = {
  idle: ['candidate'],
  candidate: ['idle', 'candidate', 'beep'],
  beep: ['done'],
  done: [],
};

/**
 * Answering-machine beep detector (Wait beep="true", vobizxml.md 2.3): a steady single tone
 * between 400 and 2100 Hz lasting at least `minToneMs`. Every 20 ms block is scanned with
 * a bank of Goertzel filters 25 Hz apart; the strongest is refined to a few Hz by halving
 * steps, and the block is tonal when that tone is loud enough and, with its harmonics,
 * holds nearly all the block's energy. Consecutive tonal blocks at one frequency make a
 * tone. A tone of `minToneMs` always fills floor(minToneMs / 20) - 1 whole blocks, which
 * is what is asked; a shorter tone may pass when it happens to align with the blocks.
 * The beep is reported when the tone ends, so that what follows the Wait starts after it
 * (a voicemail records from the end of its beep), or after `maxToneMs` if it goes on.
 *
 *            tonal block          same tone for minToneMs
 *   +------+ ----------> +-----------+ ---------------> +------+
 *   | idle |             | candidate | -+ same tone,    | beep | -+ same tone
 *   +------+ <---------- +-----------+ <+ or another    +------+ <+
 *           END_MISSES blocks          tone: restart       |
 *           without the tone                               | END_MISSES blocks without it,
 *                                                          v or maxToneMs: report
 *                                                      +------+
 *                                                      | done |  (final until reset)
 *                                                      +------+
 */
export class BeepDetector {
  private readonly minBlocks: number;
  private readonly maxToneMs: number;
  private readonly bank: Float64Array;
  private readonly bankCoeffs: Float64Array;
  private readonly block = new Int16Array(BLOCK);
  private filled = 0;
  /** Samples pushed before the current block. */
  private blockStart = 0;
  // Timing of the frame being pushed: sample s was heard at frameEndAt - (frameEnd - s) / 8.
  private frameEnd = 0;
  private frameEndAt = 0;

  private state: State = 'idle';
  private toneFreq = 0;
  private firstSample = 0;
  private lastHitEnd = 0;
  private misses = 0;
  private found: BeepDetection | undefined;

  constructor(opts: BeepDetectorOptions = {}) {
    const minToneMs = opts.minToneMs ?? 250;
    const maxToneMs = opts.maxToneMs ?? 3000;
    if (!(minToneMs >= 2 * BLOCK_MS) || !Number.isFinite(minToneMs)) {
      throw new DetectorError('BAD_OPTION', `minToneMs must be at least ${2 * BLOCK_MS}, got ${minToneMs}`);
    }
    if (!(maxToneMs >= minToneMs)) {
      throw new DetectorError('BAD_OPTION', `maxToneMs must be at least minToneMs, got ${maxToneMs}`);
    }
    this.minBlocks = Math.floor(minToneMs / BLOCK_MS) - 1;
    this.maxToneMs = maxToneMs;
    const n = Math.floor((BANK_TO - BANK_FROM) / BANK_STEP) + 1;
    this.bank = new Float64Array(n);
    this.bankCoeffs = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      this.bank[i] = BANK_FROM + i * BANK_STEP;
      this.bankCoeffs[i] = coeff(this.bank[i]);
    }
  }

  /** The beep, once reported. */
  get detection(): BeepDetection | undefined {
    return this.found;
  }

  /** Whether a tone long enough to be a beep is sounding now (not yet reported). */
  get hearingBeep(): boolean {
    return this.state === 'beep';
  }

  /**
   * Feeds one frame (8 kHz PCM, any length) that arrived at `atMs` (when its audio ended).
   * Returns the beep when this frame completes it, once; undefined otherwise.
   */
  push(samples: Int16Array, atMs: number): BeepDetection | undefined {
    if (this.state === 'done') return undefined;
    this.frameEnd = this.blockStart + this.filled + samples.length;
    this.frameEndAt = atMs;
    let i = 0;
    while (i < samples.length) {
      const take = Math.min(BLOCK - this.filled, samples.length - i);
      this.block.set(samples.subarray(i, i + take), this.filled);
      this.filled += take;
      i += take;
      if (this.filled === BLOCK) {
        const freq = this.analyse();
        this.filled = 0;
        this.step(freq);
        this.blockStart += BLOCK;
        if (this.found) return this.found;
      }
    }
    return undefined;
  }

  /** Forgets any tone in progress and a reported beep: listens afresh. */
  reset(): void {
    this.state = 'idle';
    this.filled = 0;
    this.misses = 0;
    this.found = undefined;
  }

  /** The frequency of the block's tone, or 0 when the block is not one steady loud tone. */
  private analyse(): number {
    const x = this.block;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < BLOCK; i++) {
      sum += x[i];
      sq += x[i] * x[i];
    }
    const energy = sq - (sum * sum) / BLOCK;
    if (energy / BLOCK < MIN_TONE_POWER) return 0;
    let best = 0;
    let bestPower = -1;
    for (let k = 0; k < this.bank.length; k++) {
      const p = goertzel(x, this.bankCoeffs[k]);
      if (p > bestPower) {
        bestPower = p;
        best = this.bank[k];
      }
    }
    // Halving steps around the peak: within 2 Hz, where the bin loses under 0.03 dB.
    for (let step = BANK_STEP / 2; step >= BANK_STEP / 8; step /= 2) {
      const lo = goertzel(x, coeff(best - step));
      const hi = goertzel(x, coeff(best + step));
      if (lo > bestPower && lo >= hi) {
        best -= step;
        bestPower = lo;
      } else if (hi > bestPower) {
        best += step;
        bestPower = hi;
      }
    }
    if (best < MIN_FREQ || best > MAX_FREQ) return 0;
    // A sine of amplitude A over N samples: Goertzel power (A N / 2)^2, energy A^2 N / 2.
    const tone = (2 * bestPower) / BLOCK;
    if (tone / BLOCK < MIN_TONE_POWER) return 0;
    if (tone < MIN_FUNDAMENTAL_SHARE * energy) return 0;
    let harmonics = 0;
    for (let h = 2; h * best <= MAX_HARMONIC; h++) harmonics += (2 * goertzel(x, coeff(h * best))) / BLOCK;
    return tone + harmonics >= MIN_TONE_SHARE * energy ? best : 0;
  }

  /** The state machine, one input per block: its tone frequency or 0. */
  private step(freq: number): void {
    const same = freq > 0 && this.state !== 'idle' && near(freq, this.toneFreq);
    switch (this.state) {
      case 'idle':
        if (freq > 0) this.begin(freq);
        return;
      case 'candidate':
        if (same) {
          this.hit();
          if ((this.lastHitEnd - this.firstSample) / BLOCK >= this.minBlocks) this.transition('beep');
        } else if (freq > 0) {
          this.begin(freq);
        } else if (++this.misses >= END_MISSES) {
          this.transition('idle');
        }
        return;
      case 'beep':
        if (same) {
          this.hit();
          if (this.toneMs() >= this.maxToneMs) this.report(false);
        } else if (++this.misses >= END_MISSES) {
          this.report(true);
        }
        return;
      case 'done':
        return;
    }
  }

  private begin(freq: number): void {
    this.transition('candidate');
    this.toneFreq = freq;
    this.firstSample = this.blockStart;
    this.hit();
  }

  private hit(): void {
    this.lastHitEnd = this.blockStart + BLOCK;
    this.misses = 0;
  }

  private toneMs(): number {
    return ((this.lastHitEnd - this.firstSample) * 1000) / RATE;
  }

  private report(ended: boolean): void {
    this.transition('done');
    this.found = {
      frequency: Math.round(this.toneFreq),
      startMs: this.frameEndAt - ((this.frameEnd - this.firstSample) * 1000) / RATE,
      durationMs: this.toneMs(),
      ended,
    };
  }

  private transition(to: State): void {
    if (!MOVES[this.state].includes(to)) {
      throw new DetectorError('STATE', `BeepDetector: ${this.state} -> ${to} is not a legal move`);
    }
    this.state = to;
  }
}

function near(f: number, ref: number): boolean {
  return Math.abs(f - ref) <= Math.max(MIN_FREQ_TOLERANCE_HZ, ref * FREQ_TOLERANCE);
}

/** 2 cos(w) for `freq` Hz at 8 kHz. */
function coeff(freq: number): number {
  return 2 * Math.cos((2 * Math.PI * freq) / RATE);
}

/** Goertzel power of one frequency (`c` = 2 cos w) over the whole block. */
function goertzel(x: Int16Array, c: number): number {
  let a = 0;
  let b = 0;
  for (let j = 0; j < x.length; j++) {
    const t = x[j] + c * a - b;
    b = a;
    a = t;
  }
  return a * a + b * b - c * a * b;
}
