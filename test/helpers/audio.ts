/**
 * Signal helpers for media tests: make tones, measure level and frequency, compare signals.
 * Written for clarity, not speed; they run on test signals of a few seconds at most.
 */

/** A sine of `amplitude` (peak), `freq` Hz, `length` samples at `rate`, starting at `phase` rad. */
export function sine(freq: number, rate: number, length: number, amplitude = 10000, phase = 0): Int16Array {
  const out = new Int16Array(length);
  for (let i = 0; i < length; i++)
    out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * freq * i) / rate + phase));
  return out;
}

/** The sum of several signals, clamped to 16 bits (the length of the shortest). */
export function mix(...signals: Int16Array[]): Int16Array {
  const length = Math.min(...signals.map((s) => s.length));
  const out = new Int16Array(length);
  for (let i = 0; i < length; i++) {
    let v = 0;
    for (const s of signals) v += s[i];
    out[i] = Math.max(-32768, Math.min(32767, v));
  }
  return out;
}

/** Root mean square of `samples[start, end)`. */
export function rms(samples: ArrayLike<number>, start = 0, end = samples.length): number {
  if (end <= start) return 0;
  let sum = 0;
  for (let i = start; i < end; i++) sum += samples[i] * samples[i];
  return Math.sqrt(sum / (end - start));
}

/** 20*log10(a/b): the level of `a` against `b`, dB. */
export function db(a: number, b: number): number {
  return 20 * Math.log10(a / b);
}

/** The same samples as 16-bit stereo interleaved from two mono signals. */
export function interleave(left: Int16Array, right: Int16Array): Int16Array {
  const out = new Int16Array(left.length * 2);
  for (let i = 0; i < left.length; i++) {
    out[2 * i] = left[i];
    out[2 * i + 1] = right[i];
  }
  return out;
}

/**
 * Frequency of a single tone from its zero crossings: crossing times are interpolated
 * between samples, and the count of half periods between the first and last crossing is
 * divided by the time between them. Accurate to far better than 0.1% on a clean tone.
 */
export function zeroCrossingFrequency(samples: ArrayLike<number>, rate: number): number {
  let first = -1;
  let last = -1;
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1];
    const b = samples[i];
    if ((a < 0 && b >= 0) || (a >= 0 && b < 0)) {
      const t = i - 1 + a / (a - b);
      if (first < 0) first = t;
      last = t;
      crossings++;
    }
  }
  if (crossings < 3) return 0;
  return (crossings - 1) / 2 / ((last - first) / rate);
}

/**
 * Amplitude (peak) of the `freq` Hz component of `samples`, from a Hann-windowed Goertzel
 * filter over the whole array; a clean sine of amplitude A reads about A.
 */
export function toneAmplitude(samples: ArrayLike<number>, rate: number, freq: number): number {
  const n = samples.length;
  const w = (2 * Math.PI * freq) / rate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  let windowSum = 0;
  for (let i = 0; i < n; i++) {
    const hann = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
    windowSum += hann;
    const s0 = samples[i] * hann + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (2 * Math.sqrt(Math.max(0, power))) / windowSum;
}

/**
 * The strongest frequency between `min` and `max` Hz (several tones may be present): a
 * coarse `toneAmplitude` scan on the first 2048 samples, a scan at half-bin steps of the
 * whole signal around the coarse peak, then a golden-section search inside the main lobe.
 */
export function dominantFrequency(
  samples: ArrayLike<number>,
  rate: number,
  min = 50,
  max = rate / 2 - 50,
): number {
  const amp = (s: ArrayLike<number>, f: number) => toneAmplitude(s, rate, f);
  const head = Array.prototype.slice.call(samples, 0, Math.min(samples.length, 2048)) as number[];
  const argmax = (s: ArrayLike<number>, lo: number, hi: number, step: number): number => {
    let best = lo;
    let bestAmp = -1;
    for (let f = lo; f <= hi; f += step) {
      const a = amp(s, f);
      if (a > bestAmp) {
        bestAmp = a;
        best = f;
      }
    }
    return best;
  };
  const coarseBin = rate / head.length;
  const coarse = argmax(head, min, max, coarseBin / 2);
  const fineBin = rate / samples.length;
  const fine = argmax(samples, coarse - coarseBin, coarse + coarseBin, fineBin / 2);
  let lo = fine - fineBin / 2;
  let hi = fine + fineBin / 2;
  const ratio = (Math.sqrt(5) - 1) / 2;
  while (hi - lo > 1e-4) {
    const a = hi - ratio * (hi - lo);
    const b = lo + ratio * (hi - lo);
    if (amp(samples, a) < amp(samples, b)) lo = a;
    else hi = b;
  }
  return (lo + hi) / 2;
}

/**
 * Normalised cross-correlation of `a` and `b` at lags -maxLag..maxLag (b shifted by `lag`:
 * sum a[i] * b[i + lag]); returns the best value (1 = identical shape) and its lag.
 */
export function crossCorrelationMax(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  maxLag: number,
): { value: number; lag: number } {
  let best = { value: -Infinity, lag: 0 };
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let i = Math.max(0, -lag); i < a.length && i + lag < b.length; i++) {
      const x = a[i];
      const y = b[i + lag];
      ab += x * y;
      aa += x * x;
      bb += y * y;
    }
    const value = aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
    if (value > best.value) best = { value, lag };
  }
  return best;
}
