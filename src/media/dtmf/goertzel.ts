import { type DtmfDigit, DtmfError, type DtmfEvent } from './types.ts';

export interface InbandDtmfDetectorOptions {
  /** 8000 (narrowband) or 16000 (wideband). Default 8000. */
  sampleRate?: number;
  onDigit: (e: DtmfEvent) => void;
  /** Wall clock in ms, read when a frame arrives. Default `Date.now`. */
  now?: () => number;
}

/** Row (low group) then column (high group) frequencies, ITU-T Q.23. */
const FREQS = [697, 770, 852, 941, 1209, 1336, 1477, 1633];

/** Keypad: row r, column c is KEYPAD[r * 4 + c]. */
const KEYPAD = '123A456B789C*0#D';

/**
 * Block length at 8 kHz: 13.25 ms. Its bins (75 Hz either side) are narrow enough to tell
 * the rows apart (73 Hz is the closest pair) and wide enough that a tone 1.5% off its
 * nominal frequency (Q.24 must-accept) loses under 1.6 dB.
 */
const BLOCK_8K = 106;
/**
 * A key is accepted after this many blocks in a row. Any tone of 40 ms covers two whole
 * blocks (Q.24: accept >= 40 ms). A tone that fills under 85% of a block fails the tone
 * share there, so one shorter than 2 x 0.85 blocks (22.5 ms) never makes two (Q.24:
 * reject < 23 ms).
 */
const MIN_BLOCKS = 2;
/**
 * A key is released, and the detector re-armed, after this many blocks without it
 * (39.75 ms): a break of 10 ms spoils at most two blocks, so it does not split a key
 * press (Q.24), while a pause of 40 ms between two presses of one key always separates them.
 */
const RELEASE_BLOCKS = 3;

const dB = (x: number) => 10 ** (x / 10);
/** Weakest tone accepted: -36 dB below a full-scale sine (about -33 dBm0), as an amplitude. */
const MIN_AMPLITUDE = 32768 * 10 ** (-36 / 20);
/** The strongest row (column) must beat every other row (column) by this much. */
const PEAK_RATIO = dB(8);
/** Row louder than column by at most 8 dB ("normal" twist, Q.24). */
const NORMAL_TWIST = dB(8);
/** Column louder than row by at most 4 dB ("reverse" twist, Q.24). */
const REVERSE_TWIST = dB(4);
/**
 * Share of the block's energy that the two tones must hold: rejects speech, music, noise
 * and a tone that covers only part of the block (its share is about the part covered).
 * A clean key holds over 0.95, one with white noise 15 dB below it about 0.93. (0.85 let
 * no digit through in an hour of synthetic speech, 13 voices at 4 pitches; 0.75 let 3.)
 */
const MIN_TONE_SHARE = 0.85;
/** Q.24: a tone up to 1.5% off its nominal frequency must be accepted. */
const FREQ_TOLERANCE = 0.015;

type State = 'idle' | 'pending' | 'present';

const MOVES: Readonly<Record<State, readonly State[]>> = {
  idle: ['pending'],
  pending: ['idle', 'pending', 'present'],
  present: ['idle'],
};

/**
 * In-band DTMF detector (ITU-T Q.23 tones, Q.24 limits): Goertzel filters at the 8 DTMF
 * frequencies over blocks of 13.25 ms. A block shows a key when the strongest row and
 * column are loud enough, beat the other rows and columns by 8 dB, are within the twist
 * limits, and hold most of the block's energy. A key press is one event, reported when it
 * is released (so that its duration is known):
 *
 *            key in a block              same key in MIN_BLOCKS
 *   +------+ -------------> +---------+  blocks in a row   +---------+
 *   | idle |                | pending | -----------------> | present |
 *   +------+ <------------- +---------+                    +---------+
 *      ^     no key (another key: pending on it)               |
 *      +-------------------------------------------------------+
 *        RELEASE_BLOCKS blocks without the key: report it (another key then: pending)
 */
export class InbandDtmfDetector {
  private readonly sampleRate: number;
  private readonly onDigit: (e: DtmfEvent) => void;
  private readonly now: () => number;
  private readonly blockSize: number;
  private readonly coeffs = new Float64Array(8);
  private readonly coeffsLow = new Float64Array(8);
  private readonly coeffsHigh = new Float64Array(8);
  /** Power lost in the nominal bin by a tone FREQ_TOLERANCE off: 1 / sinc^2. */
  private readonly maxGain = new Float64Array(8);
  /** Goertzel state: s[n-1] and s[n-2] of each filter. */
  private readonly s1 = new Float64Array(8);
  private readonly s2 = new Float64Array(8);
  private readonly power = new Float64Array(8);
  /** The samples of the current block, to look beside the nominal frequencies. */
  private readonly block: Int16Array;
  private readonly minPower: number;
  private energy = 0;
  private filled = 0;
  /** Samples processed before the current block. */
  private blockStart = 0;
  // Frame timing, for atMs.
  private frameStart = 0;
  private frameAt = 0;

  private state: State = 'idle';
  private key = -1;
  private hits = 0;
  private misses = 0;
  private firstBlockAt = 0;
  private firstSample = 0;
  private lastHitEnd = 0;

  constructor(opts: InbandDtmfDetectorOptions) {
    const rate = opts.sampleRate ?? 8000;
    if (rate !== 8000 && rate !== 16000) {
      throw new DtmfError('BAD_OPTION', `sampleRate must be 8000 or 16000, got ${rate}`);
    }
    this.sampleRate = rate;
    this.onDigit = opts.onDigit;
    this.now = opts.now ?? Date.now;
    this.blockSize = (BLOCK_8K * rate) / 8000;
    this.block = new Int16Array(this.blockSize);
    const coeff = (f: number) => 2 * Math.cos((2 * Math.PI * f) / rate);
    for (let i = 0; i < 8; i++) {
      this.coeffs[i] = coeff(FREQS[i]);
      this.coeffsLow[i] = coeff(FREQS[i] * (1 - FREQ_TOLERANCE));
      this.coeffsHigh[i] = coeff(FREQS[i] * (1 + FREQ_TOLERANCE));
      const x = (Math.PI * FREQS[i] * FREQ_TOLERANCE * this.blockSize) / rate;
      this.maxGain[i] = (x / Math.sin(x)) ** 2;
    }
    // A sine of amplitude A over N samples gives a Goertzel power of (A * N / 2)^2.
    this.minPower = ((MIN_AMPLITUDE * this.blockSize) / 2) ** 2;
  }

  /** Input: linear PCM at the sample rate, any length (typically one 20 ms frame). */
  process(frame: Int16Array): void {
    this.frameAt = this.now();
    this.frameStart = this.blockStart + this.filled;
    const n = frame.length;
    const N = this.blockSize;
    let i = 0;
    while (i < n) {
      const take = Math.min(N - this.filled, n - i);
      this.filter(frame, i, i + take);
      i += take;
      this.filled += take;
      if (this.filled === N) {
        this.endBlock();
        this.blockStart += N;
        this.filled = 0;
      }
    }
  }

  /** Forgets the partial block and any digit in progress (nothing is reported). */
  reset(): void {
    this.s1.fill(0);
    this.s2.fill(0);
    this.energy = 0;
    this.filled = 0;
    this.state = 'idle';
    this.key = -1;
  }

  /** Runs the 8 filters over frame[from, to). */
  private filter(frame: Int16Array, from: number, to: number): void {
    const block = this.block;
    const at = this.filled - from;
    let e = this.energy;
    for (let j = from; j < to; j++) {
      const x = frame[j];
      block[at + j] = x;
      e += x * x;
    }
    this.energy = e;
    // Four filters per pass: four independent recurrences keep the CPU's pipeline full
    // (twice as fast as one filter at a time).
    goertzel4(frame, from, to, this.coeffs, this.s1, this.s2, 0);
    goertzel4(frame, from, to, this.coeffs, this.s1, this.s2, 4);
  }

  private endBlock(): void {
    const p = this.power;
    for (let i = 0; i < 8; i++) {
      const a = this.s1[i];
      const b = this.s2[i];
      p[i] = a * a + b * b - this.coeffs[i] * a * b;
    }
    const key = this.classify(p, this.energy);
    this.s1.fill(0);
    this.s2.fill(0);
    this.energy = 0;
    this.step(key);
  }

  /** The key this block shows, or -1. */
  private classify(p: Float64Array, energy: number): number {
    const row = strongest(p, 0);
    const col = strongest(p, 4);
    if (p[row] < this.minPower || p[col] < this.minPower) return -1;
    for (let i = 0; i < 4; i++) {
      if (i !== row && p[i] * PEAK_RATIO > p[row]) return -1;
      if (i + 4 !== col && p[i + 4] * PEAK_RATIO > p[col]) return -1;
    }
    const rowP = this.tonePower(row, p[row]);
    const colP = this.tonePower(col, p[col]);
    if (rowP > colP * NORMAL_TWIST || colP > rowP * REVERSE_TWIST) return -1;
    // Tone energy is power * 2 / N (a sine of amplitude A: power (A*N/2)^2, energy A^2*N/2).
    if (((rowP + colP) * 2) / this.blockSize < MIN_TONE_SHARE * energy) return -1;
    return row * 4 + (col - 4);
  }

  /**
   * The power of tone `i`, allowing for the Q.24 frequency tolerance: the best of its
   * nominal bin and the bins FREQ_TOLERANCE either side, but never more than the nominal
   * bin times what a tone exactly 1.5% off loses in it (0.3 dB at 697 Hz, 1.6 dB at
   * 1633 Hz). A tone further off gains no more than that: without this cap, harmonics of
   * high synthetic voices near a row and a column passed the tone share now and then.
   */
  private tonePower(i: number, nominal: number): number {
    const lo = goertzelPower(this.block, 0, this.blockSize, this.coeffsLow[i]);
    const hi = goertzelPower(this.block, 0, this.blockSize, this.coeffsHigh[i]);
    return Math.min(Math.max(nominal, lo, hi), nominal * this.maxGain[i]);
  }

  /** The state machine, one input per block. */
  private step(key: number): void {
    switch (this.state) {
      case 'idle':
        if (key >= 0) this.begin(key);
        return;
      case 'pending':
        if (key === this.key) {
          this.lastHitEnd = this.blockStart + this.blockSize;
          this.hits++;
          this.accept();
        } else if (key >= 0) {
          this.begin(key);
        } else {
          this.transition('idle');
        }
        return;
      case 'present':
        if (key === this.key) {
          this.lastHitEnd = this.blockStart + this.blockSize;
          this.misses = 0;
          return;
        }
        if (++this.misses < RELEASE_BLOCKS) return;
        this.release();
        if (key >= 0) this.begin(key);
        return;
    }
  }

  private begin(key: number): void {
    this.transition('pending');
    this.key = key;
    this.hits = 1;
    this.misses = 0;
    this.firstSample = this.blockStart;
    this.lastHitEnd = this.blockStart + this.blockSize;
    this.firstBlockAt = this.frameAt + ((this.blockStart - this.frameStart) * 1000) / this.sampleRate;
    this.accept();
  }

  private accept(): void {
    if (this.hits >= MIN_BLOCKS) this.transition('present');
  }

  private release(): void {
    this.transition('idle');
    this.onDigit({
      digit: KEYPAD[this.key] as DtmfDigit,
      source: 'inband',
      atMs: this.firstBlockAt,
      durationMs: ((this.lastHitEnd - this.firstSample) * 1000) / this.sampleRate,
    });
  }

  private transition(to: State): void {
    if (!MOVES[this.state].includes(to)) {
      throw new DtmfError('STATE', `InbandDtmfDetector: ${this.state} -> ${to} is not a legal move`);
    }
    this.state = to;
  }
}

/** Advances filters k..k+3 (coefficients c, states s1 = s[n-1], s2 = s[n-2]) over x[from, to). */
function goertzel4(
  x: Int16Array,
  from: number,
  to: number,
  c: Float64Array,
  s1: Float64Array,
  s2: Float64Array,
  k: number,
): void {
  const c0 = c[k];
  const c1 = c[k + 1];
  const c2 = c[k + 2];
  const c3 = c[k + 3];
  let a0 = s1[k];
  let a1 = s1[k + 1];
  let a2 = s1[k + 2];
  let a3 = s1[k + 3];
  let b0 = s2[k];
  let b1 = s2[k + 1];
  let b2 = s2[k + 2];
  let b3 = s2[k + 3];
  for (let j = from; j < to; j++) {
    const v = x[j];
    const t0 = v + c0 * a0 - b0;
    const t1 = v + c1 * a1 - b1;
    const t2 = v + c2 * a2 - b2;
    const t3 = v + c3 * a3 - b3;
    b0 = a0;
    b1 = a1;
    b2 = a2;
    b3 = a3;
    a0 = t0;
    a1 = t1;
    a2 = t2;
    a3 = t3;
  }
  s1[k] = a0;
  s1[k + 1] = a1;
  s1[k + 2] = a2;
  s1[k + 3] = a3;
  s2[k] = b0;
  s2[k + 1] = b1;
  s2[k + 2] = b2;
  s2[k + 3] = b3;
}

/** Goertzel power of one frequency (`coeff` = 2 cos w) over x[from, to). */
function goertzelPower(x: Int16Array, from: number, to: number, coeff: number): number {
  let a = 0;
  let b = 0;
  for (let j = from; j < to; j++) {
    const t = x[j] + coeff * a - b;
    b = a;
    a = t;
  }
  return a * a + b * b - coeff * a * b;
}

/** Index of the largest of p[from .. from+3]. */
function strongest(p: Float64Array, from: number): number {
  let best = from;
  for (let i = from + 1; i < from + 4; i++) if (p[i] > p[best]) best = i;
  return best;
}
