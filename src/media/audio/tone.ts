/**
 * Tone sources at 8000 Hz: beeps, call-progress tones and in-band DTMF (ITU-T Q.23).
 *
 * Every sample is computed from its index inside the current burst, never from the previous
 * sample, so a tone stays exactly on frequency however long it plays. Integer frequencies
 * (all the presets) come from a one-second sine table indexed by (f * n) mod 8000, which is
 * exact; other frequencies use Math.sin on the same reduced argument.
 */

const RATE = 8000;

/** sin(2*pi*i/8000) for i in 0..7999. */
const SINE = new Float64Array(RATE);
for (let i = 0; i < RATE; i++) SINE[i] = Math.sin((2 * Math.PI * i) / RATE);

export interface ToneSpec {
  /** Frequencies in Hz, summed (e.g. 440 + 480 for ringback); each below 4000. */
  freqs: readonly number[];
  /** Length of each burst, ms. */
  onMs: number;
  /** Silence after each burst, ms; 0 = a continuous tone. */
  offMs: number;
  /** Total length, ms (cut wherever it falls in the cadence); absent = endless. */
  totalMs?: number;
  /** Level of each frequency in dBov (0 dBov = a sine that peaks at full scale); default -13. */
  level?: number;
}

const DEFAULT_LEVEL = -13;

function checkSpec(spec: ToneSpec): void {
  const bad = (what: string) => new RangeError(`tone: ${what}`);
  if (spec.freqs.length === 0) throw bad('no frequencies');
  for (const f of spec.freqs) if (!(f > 0 && f < RATE / 2)) throw bad(`frequency ${f} Hz outside 0-4000`);
  if (!(spec.onMs > 0 && Number.isFinite(spec.onMs))) throw bad(`onMs ${spec.onMs}`);
  if (!(spec.offMs >= 0 && Number.isFinite(spec.offMs))) throw bad(`offMs ${spec.offMs}`);
  if (spec.totalMs !== undefined && !(spec.totalMs >= 0 && Number.isFinite(spec.totalMs))) {
    throw bad(`totalMs ${spec.totalMs}`);
  }
  if (spec.level !== undefined && !(spec.level <= 0)) throw bad(`level ${spec.level} dBov above full scale`);
}

/** Generates a tone's frames on demand: `readFrame()` once per 20 ms. */
export class ToneSource {
  private readonly freqs: Float64Array;
  private readonly integral: boolean[];
  private readonly amplitude: number;
  private readonly onSamples: number;
  private readonly cycleSamples: number;
  private readonly totalSamples: number;
  private readonly continuous: boolean;
  private emitted = 0;
  private inCycle = 0;

  constructor(spec: ToneSpec) {
    checkSpec(spec);
    this.freqs = Float64Array.from(spec.freqs);
    this.integral = spec.freqs.map((f) => Number.isInteger(f));
    this.amplitude = 32767 * 10 ** ((spec.level ?? DEFAULT_LEVEL) / 20);
    this.onSamples = Math.round((spec.onMs * RATE) / 1000);
    this.cycleSamples = this.onSamples + Math.round((spec.offMs * RATE) / 1000);
    this.continuous = this.cycleSamples === this.onSamples;
    this.totalSamples = spec.totalMs === undefined ? Infinity : Math.round((spec.totalMs * RATE) / 1000);
  }

  /** True once `totalMs` has been played. */
  get finished(): boolean {
    return this.emitted >= this.totalSamples;
  }

  /**
   * Fills `out` (160 samples for 20 ms) with the next samples; returns how many belong to the
   * tone, fewer than `out.length` once it ends. The rest of `out` is set to silence.
   */
  readFrame(out: Int16Array): number {
    const n = Math.min(out.length, this.totalSamples - this.emitted);
    const { freqs, integral, amplitude, onSamples, cycleSamples } = this;
    for (let i = 0; i < n; i++) {
      const pos = this.inCycle;
      if (pos < onSamples) {
        // Phase restarts with each burst; a continuous tone counts from its very start.
        const k = this.continuous ? this.emitted + i : pos;
        let sum = 0;
        for (let j = 0; j < freqs.length; j++) {
          const arg = (freqs[j] * k) % RATE;
          sum += integral[j] ? SINE[arg] : Math.sin((2 * Math.PI * arg) / RATE);
        }
        const v = Math.round(sum * amplitude);
        out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      } else {
        out[i] = 0;
      }
      this.inCycle = pos + 1 === cycleSamples ? 0 : pos + 1;
    }
    this.emitted += n;
    out.fill(0, n);
    return n;
  }
}

/** Call-progress tones and the recording beep (North American values, ANSI T1.401). */
export const TONES = Object.freeze({
  /** The "leave your message after the beep" beep: 1000 Hz for 500 ms, once. */
  beep: Object.freeze({ freqs: Object.freeze([1000]), onMs: 500, offMs: 0, totalMs: 500 }),
  /** Ringback: 440 + 480 Hz, 2 s on, 4 s off, endless. */
  ringback: Object.freeze({ freqs: Object.freeze([440, 480]), onMs: 2000, offMs: 4000 }),
  /** Busy: 480 + 620 Hz, 0.5 s on, 0.5 s off, endless. */
  busy: Object.freeze({ freqs: Object.freeze([480, 620]), onMs: 500, offMs: 500 }),
}) satisfies Readonly<Record<string, Readonly<ToneSpec>>>;

/** DTMF rows and columns (ITU-T Q.23 table 1), by digit. */
const DTMF_ROWS = [697, 770, 852, 941];
const DTMF_COLUMNS = [1209, 1336, 1477, 1633];
const DTMF_KEYPAD = ['123A', '456B', '789C', '*0#D'];

/** Level of each of the two DTMF frequencies, dBov. */
const DTMF_LEVEL = -10;

/** The row and column frequencies of a DTMF key (0-9, *, #, A-D), or undefined. */
export function dtmfFrequencies(digit: string): [number, number] | undefined {
  if (digit.length !== 1) return undefined;
  const key = digit.toUpperCase();
  for (let r = 0; r < 4; r++) {
    const c = DTMF_KEYPAD[r].indexOf(key);
    if (c >= 0) return [DTMF_ROWS[r], DTMF_COLUMNS[c]];
  }
  return undefined;
}

/** One DTMF key press: the pair for `onMs`, then `offMs` of silence, then the end. */
export function dtmfTone(digit: string, onMs: number, offMs = 0): ToneSpec {
  const pair = dtmfFrequencies(digit);
  if (!pair) throw new RangeError(`tone: "${digit}" is not a DTMF key`);
  return { freqs: pair, onMs, offMs, totalMs: onMs + offMs, level: DTMF_LEVEL };
}
