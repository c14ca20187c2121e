/**
 * Sample-rate conversion of 16-bit mono PCM by a rational factor L/M (to/from reduced),
 * with a polyphase windowed-sinc (Kaiser) filter: each output sample is the band-limited
 * interpolation of the input at time n*M/L (input samples), computed from K input samples
 * and one of L precomputed coefficient sets ("phases").
 *
 * The low-pass cut-off sits under the lower of the two Nyquist frequencies, so downsampling
 * does not alias and upsampling does not image. Two designs:
 *  - general ratios: pass band to 0.85 Nyquist, stop band from Nyquist (nothing folds into
 *    the output band);
 *  - exactly 2:1 (8000 <-> 16000, run per 20 ms frame on live streams): stop band from
 *    1.15 Nyquist, which needs half the taps; what folds lands above 0.85 Nyquist
 *    (3.4 kHz at 8000 Hz), outside the telephone band.
 */

/** Stop-band attenuation of the design, dB. */
const ATTENUATION_DB = 70;
/** Kaiser window shape for that attenuation (Kaiser's empirical formula, A > 50 dB). */
const KAISER_BETA = 0.1102 * (ATTENUATION_DB - 8.7);
/** Largest number of filter phases (L after reduction) accepted; 22050 -> 16000 needs 320. */
const MAX_PHASES = 1024;
const MAX_RATE = 384_000;

/** A designed filter for one from -> to pair; shared by every resampler of that pair. */
interface Kernel {
  /** Output samples per `down` input samples: to/from = up/down, reduced. */
  readonly up: number;
  readonly down: number;
  /** Taps per phase, even: the input samples each output sample is computed from. */
  readonly taps: number;
  /** `up` phases of `taps` coefficients; phase p interpolates at fraction p/up. */
  readonly coefs: Float64Array;
  /**
   * 2:1 filters are half-band: every other tap is zero and the rest are symmetric, so they
   * run from `pairs` (one coefficient per pair of taps): about a quarter of the multiplies.
   */
  readonly halfBand: 'decimate' | 'interpolate' | undefined;
  /** Half-band: the centre tap (decimate), then coefficients for taps at +-1, +-3, ... */
  readonly center: number;
  readonly pairs: Float64Array;
}

const kernels = new Map<string, Kernel>();

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (power series). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50 && term > sum * 1e-17; k++) {
    term *= q / (k * k);
    sum += term;
  }
  return sum;
}

function checkRate(rate: number, what: string): void {
  if (!Number.isInteger(rate) || rate <= 0 || rate > MAX_RATE) {
    throw new RangeError(`resampler: ${what} rate must be an integer 1..${MAX_RATE}, got ${rate}`);
  }
}

function kernelFor(fromRate: number, toRate: number): Kernel {
  checkRate(fromRate, 'input');
  checkRate(toRate, 'output');
  const key = `${fromRate}>${toRate}`;
  const cached = kernels.get(key);
  if (cached) return cached;
  const g = gcd(fromRate, toRate);
  const up = toRate / g;
  const down = fromRate / g;
  if (up > MAX_PHASES) throw new RangeError(`resampler: ${fromRate} -> ${toRate} Hz needs too many phases`);

  const nyquist = Math.min(fromRate, toRate) / 2;
  const halfBand = up * 2 === down || down * 2 === up;
  const pass = 0.85 * nyquist;
  const stop = halfBand ? 1.15 * nyquist : nyquist;
  // Cut-off and transition width in cycles per input sample.
  const cutoff = (pass + stop) / 2 / fromRate;
  const width = (stop - pass) / fromRate;
  // Kaiser's length estimate: N = (A - 8) / (2.285 * delta-omega).
  let taps = Math.ceil((ATTENUATION_DB - 8) / (2.285 * 2 * Math.PI * width));
  taps += taps & 1;
  const half = taps / 2;
  const i0Beta = besselI0(KAISER_BETA);
  const coefs = new Float64Array(up * taps);
  for (let p = 0; p < up; p++) {
    // Phase p computes the output at input time i + p/up from x[i - half + 1 .. i + half].
    let sum = 0;
    for (let k = 0; k < taps; k++) {
      const tau = p / up + half - 1 - k;
      const u = tau / half;
      const window = Math.abs(u) >= 1 ? 0 : besselI0(KAISER_BETA * Math.sqrt(1 - u * u)) / i0Beta;
      const arg = 2 * cutoff * tau;
      const sinc = arg === 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg);
      const c = 2 * cutoff * sinc * window;
      coefs[p * taps + k] = c;
      sum += c;
    }
    // Unity gain at DC for every phase: no gain ripple at the rate of the phase cycle.
    for (let k = 0; k < taps; k++) coefs[p * taps + k] /= sum;
  }
  const kernel: Kernel = halfBand
    ? halfBandKernel(up, down, taps, coefs)
    : { up, down, taps, coefs, halfBand: undefined, center: 0, pairs: new Float64Array(0) };
  kernels.set(key, kernel);
  return kernel;
}

/**
 * The pair form of a 2:1 design. The taps dropped are sinc zeros (even distances from the
 * centre; all but the centre in the interpolator's phase 0), and each pair's two taps are
 * equal up to rounding; the pairs are rescaled so the DC gain stays exactly 1.
 */
function halfBandKernel(up: number, down: number, taps: number, coefs: Float64Array): Kernel {
  const half = taps / 2;
  const c = half - 1; // index of the tap at distance 0 (phase 0)
  if (up === 1) {
    // Decimate: taps c -+ d sit at distance +-d; pairs at odd d up to c (the tap at -half,
    // the window's edge, is 0).
    const pairs = new Float64Array(Math.floor(half / 2));
    let sum = coefs[c];
    for (let j = 0; j < pairs.length; j++) {
      const d = 2 * j + 1;
      const v = (coefs[c - d] + coefs[c + d]) / 2;
      pairs[j] = v;
      sum += 2 * v;
    }
    for (let j = 0; j < pairs.length; j++) pairs[j] /= sum;
    return { up, down, taps, coefs, halfBand: 'decimate', center: coefs[c] / sum, pairs };
  }
  // Interpolate, phase 1 (halfway): taps c - r and c + 1 + r are at distance +-(r + 1/2).
  const pairs = new Float64Array(half);
  let sum = 0;
  for (let r = 0; r < half; r++) {
    const v = (coefs[taps + c - r] + coefs[taps + c + 1 + r]) / 2;
    pairs[r] = v;
    sum += 2 * v;
  }
  for (let r = 0; r < half; r++) pairs[r] /= sum;
  return { up, down, taps, coefs, halfBand: 'interpolate', center: 1, pairs };
}

/**
 * Computes `count` outputs into `out` from `offset`. `pos` is where the first output's
 * window starts in `src`, in 1/up input samples (window start = floor(pos/up), phase =
 * pos mod up); returns the position of the next output.
 */
function convolve(
  k: Kernel,
  src: Int16Array,
  pos: number,
  count: number,
  out: Int16Array,
  offset: number,
): number {
  if (k.halfBand === 'decimate') return decimate2(k, src, pos, count, out, offset);
  if (k.halfBand === 'interpolate') return interpolate2(k, src, pos, count, out, offset);
  const { up, down, taps, coefs } = k;
  let start = Math.floor(pos / up);
  let phase = pos - start * up;
  const stepStart = Math.floor(down / up);
  const stepPhase = down - stepStart * up;
  for (let n = 0; n < count; n++) {
    const c0 = phase * taps;
    let acc = 0;
    for (let t = 0; t < taps; t++) acc += src[start + t] * coefs[c0 + t];
    out[offset + n] = clamp16(Math.round(acc));
    start += stepStart;
    phase += stepPhase;
    if (phase >= up) {
      phase -= up;
      start++;
    }
  }
  return start * up + phase;
}

function clamp16(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

/** `convolve` for 2:1 down (up = 1, down = 2): one phase, centre tap plus symmetric pairs. */
function decimate2(
  k: Kernel,
  src: Int16Array,
  pos: number,
  count: number,
  out: Int16Array,
  offset: number,
): number {
  const { pairs, center } = k;
  const np = pairs.length;
  let m = pos + k.taps / 2 - 1;
  for (let n = 0; n < count; n++) {
    let acc = center * src[m];
    for (let j = 0, d = 1; j < np; j++, d += 2) acc += pairs[j] * (src[m - d] + src[m + d]);
    out[offset + n] = clamp16(Math.round(acc));
    m += 2;
  }
  return m - (k.taps / 2 - 1);
}

/** `convolve` for 1:2 up (up = 2, down = 1): phase 0 is the input sample, phase 1 the pairs. */
function interpolate2(
  k: Kernel,
  src: Int16Array,
  pos: number,
  count: number,
  out: Int16Array,
  offset: number,
): number {
  const { pairs } = k;
  const np = pairs.length;
  const lead = k.taps / 2 - 1;
  for (let n = 0; n < count; n++, pos++) {
    const m = (pos >> 1) + lead;
    if ((pos & 1) === 0) {
      out[offset + n] = src[m];
      continue;
    }
    let acc = 0;
    for (let r = 0; r < np; r++) acc += pairs[r] * (src[m - r] + src[m + 1 + r]);
    out[offset + n] = clamp16(Math.round(acc));
  }
  return pos;
}

/**
 * Streaming converter: keeps the input history across `process()` calls, so a signal fed in
 * chunks gives exactly the output of feeding it at once. The output lags the offline
 * `resample()` by `latency` output samples (the filter's look-ahead), and after N input
 * samples exactly ceil(N * to / from) have come out: 20 ms in gives 20 ms out.
 */
export class Resampler {
  /** Output samples of delay against `resample()` (0 when the rates are equal). */
  readonly latency: number;
  private readonly kernel: Kernel | undefined;
  private history: Int16Array;
  private filled: number;
  /** Input received but not yet paid out as output, in 1/up input samples. */
  private credit = 0;
  /** Window start of the next output relative to history[0], in 1/up input samples. */
  private pos: number;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
  ) {
    checkRate(fromRate, 'input');
    checkRate(toRate, 'output');
    this.kernel = fromRate === toRate ? undefined : kernelFor(fromRate, toRate);
    if (!this.kernel) {
      this.latency = 0;
      this.history = new Int16Array(0);
      this.filled = 0;
      this.pos = 0;
      return;
    }
    const { up, down, taps } = this.kernel;
    // Delay the output enough that output n never needs input beyond what has been fed
    // when n*down < fed*up: delay*down >= taps*up/2.
    this.latency = Math.ceil((taps * up) / (2 * down));
    // Output 0 is the signal at input time -latency*down/up; its window starts half a
    // window earlier. Zeros stand in for the input before the first sample.
    const t0 = -this.latency * down;
    const i0 = Math.floor(t0 / up);
    const zeros = taps / 2 - 1 - i0;
    this.history = new Int16Array(zeros + taps + 2048);
    this.filled = zeros;
    this.pos = t0 - i0 * up;
  }

  /** The most samples one `process()` call can return for `inputLength` samples in. */
  maxOutputLength(inputLength: number): number {
    return Math.ceil((inputLength * this.toRate) / this.fromRate) + 1;
  }

  /** Converts the next chunk; see `processInto` for the allocation-free form. */
  process(input: Int16Array): Int16Array {
    const out = new Int16Array(this.maxOutputLength(input.length));
    const n = this.processInto(input, out);
    return n === out.length ? out : out.slice(0, n);
  }

  /** Converts the next chunk into `out` from `offset`; returns the number of samples written. */
  processInto(input: Int16Array, out: Int16Array, offset = 0): number {
    const k = this.kernel;
    if (!k) {
      if (out.length - offset < input.length) throw new RangeError('resampler: output buffer too small');
      out.set(input, offset);
      return input.length;
    }
    // Outputs whose window ends inside the history once `input` is in (start + taps <=
    // filled), but no more than ceil(fed * up / down) in total, so the output keeps the
    // input's pace exactly (the latency makes the first bound never the tighter one).
    const filled = this.filled + input.length;
    const last = (filled - k.taps) * k.up + k.up - 1;
    const ready = this.pos > last ? 0 : Math.floor((last - this.pos) / k.down) + 1;
    const credit = this.credit + input.length * k.up;
    const count = Math.max(0, Math.min(ready, Math.ceil(credit / k.down)));
    if (out.length - offset < count) throw new RangeError('resampler: output buffer too small');
    this.append(input);
    this.credit = credit - count * k.down;
    this.pos = convolve(k, this.history, this.pos, count, out, offset);
    // Drop the input no later output can reach.
    const drop = Math.min(Math.floor(this.pos / k.up), this.filled);
    if (drop > 0) {
      this.history.copyWithin(0, drop, this.filled);
      this.filled -= drop;
      this.pos -= drop * k.up;
    }
    return count;
  }

  private append(input: Int16Array): void {
    const needed = this.filled + input.length;
    if (needed > this.history.length) {
      const grown = new Int16Array(Math.max(needed, this.history.length * 2));
      grown.set(this.history.subarray(0, this.filled));
      this.history = grown;
    }
    this.history.set(input, this.filled);
    this.filled = needed;
  }
}

/**
 * Converts a whole mono signal; the output has round(length * to / from) samples and is
 * aligned with the input (no filter delay). Output n is the same value a `Resampler` gives
 * as its output n + latency.
 */
export function resample(input: Int16Array, fromRate: number, toRate: number): Int16Array {
  checkRate(fromRate, 'input');
  checkRate(toRate, 'output');
  if (fromRate === toRate) return input.slice();
  const k = kernelFor(fromRate, toRate);
  const length = Math.round((input.length * toRate) / fromRate);
  const out = new Int16Array(length);
  if (length === 0) return out;
  // Output n is the signal at input time n*down/up; pad with zeros on both sides so every
  // window lies inside the source.
  const half = k.taps / 2;
  const lastStart = Math.floor(((length - 1) * k.down) / k.up);
  const lead = half - 1;
  const tail = Math.max(0, lastStart + half - (input.length - 1));
  const src = new Int16Array(lead + input.length + tail);
  src.set(input, lead);
  convolve(k, src, 0, length, out, 0);
  return out;
}

/** Averages the channels of interleaved samples into one (a trailing partial frame is dropped). */
export function downmix(interleaved: Int16Array, channels: number): Int16Array {
  if (!Number.isInteger(channels) || channels < 1)
    throw new RangeError(`downmix: bad channel count ${channels}`);
  if (channels === 1) return interleaved.slice();
  const frames = Math.floor(interleaved.length / channels);
  const out = new Int16Array(frames);
  for (let f = 0, i = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[i++];
    out[f] = Math.round(sum / channels);
  }
  return out;
}
