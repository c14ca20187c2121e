import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { downmix, Resampler, resample } from '../../../../src/media/codec/resampler.ts';
import {
  crossCorrelationMax,
  db,
  interleave,
  mix,
  rms,
  sine,
  toneAmplitude,
  zeroCrossingFrequency,
} from '../../../helpers/audio.ts';

const INPUT_RATES = [8000, 16000, 22050, 24000, 44100, 48000];
const OUTPUT_RATES = [8000, 16000];
const PAIRS = INPUT_RATES.flatMap((from) => OUTPUT_RATES.map((to) => [from, to] as const));

/** A reproducible noise signal (xorshift), full band. */
function noise(length: number, amplitude = 8000, seed = 12345): Int16Array {
  const out = new Int16Array(length);
  let s = seed;
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = Math.round(((s >>> 0) / 0xffffffff - 0.5) * 2 * amplitude);
  }
  return out;
}

function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('resample: offline', () => {
  test('output length is round(length * to / from) for every rate pair', () => {
    for (const [from, to] of PAIRS) {
      for (const length of [0, 1, 2, 7, 159, 160, 441, 882, 1000, 22050, 48001]) {
        const out = resample(new Int16Array(length), from, to);
        assert.equal(out.length, Math.round((length * to) / from), `${from} -> ${to}, ${length} samples`);
      }
    }
  });

  test('440 Hz and 1 kHz keep their frequency (within 0.1%) and level (within 0.2 dB) from every input rate', () => {
    for (const [from, to] of PAIRS) {
      for (const freq of [440, 1000]) {
        const x = sine(freq, from, from, 10000, 0.5);
        const y = resample(x, from, to);
        const mid = y.subarray(100, y.length - 100);
        const measured = zeroCrossingFrequency(mid, to);
        assert.ok(
          Math.abs(measured / freq - 1) < 0.001,
          `${from} -> ${to}: ${freq} Hz came out ${measured} Hz`,
        );
        const gain = db(rms(mid), 10000 / Math.SQRT2);
        assert.ok(Math.abs(gain) < 0.2, `${from} -> ${to}: ${freq} Hz gain ${gain.toFixed(2)} dB`);
      }
    }
  });

  test('output is time-aligned with the input: it matches the same tones generated at the output rate', () => {
    for (const [from, to] of PAIRS) {
      const x = mix(sine(440, from, from / 2, 6000, 0.3), sine(2500, from, from / 2, 4000, 1.1));
      const expected = mix(sine(440, to, to / 2, 6000, 0.3), sine(2500, to, to / 2, 4000, 1.1));
      const y = resample(x, from, to);
      // Away from the edges (where the filter sees the zeros outside the signal).
      let worst = 0;
      for (let i = 200; i < y.length - 200; i++) worst = Math.max(worst, Math.abs(y[i] - expected[i]));
      assert.ok(worst <= 30, `${from} -> ${to}: worst difference ${worst} (of 10000)`);
      assert.equal(crossCorrelationMax(y, expected, 5).lag, 0);
    }
  });

  test('downsampling does not alias: a 5 kHz tone at 48 kHz leaves less than -40 dB in 0-4 kHz at 8 kHz', () => {
    for (const from of [16000, 22050, 24000, 44100, 48000]) {
      const x = sine(5000, from, from, 16000);
      const y = resample(x, from, 8000);
      // The alias would be at |from - 5000| folded into 0-4000, e.g. 3 kHz for 48 kHz.
      const level = db(Math.max(rms(y, 200, y.length - 200), 0.01), rms(x));
      assert.ok(level < -40, `${from} -> 8000: residue at ${level.toFixed(1)} dB`);
    }
    // Into 16 kHz: 9 kHz would fold to 7 kHz.
    for (const from of [22050, 24000, 44100, 48000]) {
      const x = sine(9000, from, from, 16000);
      const y = resample(x, from, 16000);
      const level = db(Math.max(rms(y, 200, y.length - 200), 0.01), rms(x));
      assert.ok(level < -40, `${from} -> 16000: residue at ${level.toFixed(1)} dB`);
    }
    // The pass band is kept next to it: 3 kHz passes within 0.2 dB.
    const pass = sine(3000, 48000, 48000, 16000);
    const kept = resample(pass, 48000, 8000);
    assert.ok(Math.abs(db(rms(kept, 200, kept.length - 200), rms(pass))) < 0.2);
  });

  test('the 2:1 filter: 16 kHz -> 8 kHz stops 5 kHz, and 8 kHz -> 16 kHz leaves no image at 7 kHz', () => {
    const x = sine(5000, 16000, 16000, 16000);
    const y = resample(x, 16000, 8000);
    assert.ok(db(Math.max(rms(y, 100, y.length - 100), 0.01), rms(x)) < -40);
    const tone = sine(1000, 8000, 8000, 16000);
    const up = resample(tone, 8000, 16000);
    const mid = up.subarray(200, up.length - 200);
    const image = toneAmplitude(mid, 16000, 7000);
    const wanted = toneAmplitude(mid, 16000, 1000);
    assert.ok(Math.abs(wanted - 16000) < 100, `1 kHz at ${wanted}`);
    assert.ok(db(image, wanted) < -40, `image at ${db(image, wanted).toFixed(1)} dB`);
  });

  test('equal rates copy; bad rates throw', () => {
    const x = noise(100);
    const y = resample(x, 8000, 8000);
    assert.deepEqual(y, x);
    assert.notEqual(y, x);
    assert.throws(() => resample(x, 0, 8000), RangeError);
    assert.throws(() => resample(x, 8000, 44100.5), RangeError);
    assert.throws(() => new Resampler(8000, -1), RangeError);
    // 8001 Hz against 8000 would need 8000 filter phases.
    assert.throws(() => resample(x, 8001, 8000), RangeError);
  });

  test('loud input clips to 16 bits instead of wrapping', () => {
    // A full-scale square wave overshoots (Gibbs) after low-pass filtering.
    const square = Int16Array.from({ length: 4800 }, (_, i) => (Math.floor(i / 24) % 2 ? -32768 : 32767));
    const y = resample(square, 48000, 8000);
    let min = 0;
    let max = 0;
    for (const v of y) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assert.equal(max, 32767);
    assert.equal(min, -32768);
    // No sign flips from wrap-around: every sample of a positive half wave stays positive.
    assert.ok(rms(y, 100, y.length - 100) > 20000);
  });
});

describe('Resampler: streaming', () => {
  test('20 ms chunks give exactly the output of one big call, 20 ms out per 20 ms in', () => {
    for (const [from, to] of PAIRS) {
      const x = mix(noise(from * 2, 6000), sine(700, from, from * 2, 6000));
      const whole = new Resampler(from, to).process(x);
      const r = new Resampler(from, to);
      const parts: Int16Array[] = [];
      const chunk = from / 50;
      for (let i = 0; i < x.length; i += chunk) {
        const out = r.process(x.subarray(i, i + chunk));
        assert.equal(out.length, to / 50, `${from} -> ${to}: chunk at ${i}`);
        parts.push(out);
      }
      assert.deepEqual(concat(parts), whole, `${from} -> ${to}`);
    }
  });

  test('chunks of any size (0, 1, odd, large) give the same output', () => {
    for (const [from, to] of [
      [44100, 8000],
      [16000, 8000],
      [8000, 16000],
      [22050, 16000],
    ] as const) {
      const x = noise(from, 8000, 99);
      const whole = new Resampler(from, to).process(x);
      const r = new Resampler(from, to);
      const parts: Int16Array[] = [];
      const sizes = [0, 1, 1, 3, 160, 0, 7, 441, 1000, 2];
      let at = 0;
      for (let k = 0; at < x.length; k++) {
        const n = sizes[k % sizes.length];
        parts.push(r.process(x.subarray(at, at + n)));
        at += n;
      }
      assert.deepEqual(concat(parts), whole, `${from} -> ${to}`);
      assert.equal(whole.length, Math.ceil((x.length * to) / from));
    }
  });

  test('the stream is the offline result delayed by `latency` samples', () => {
    for (const [from, to] of PAIRS) {
      const x = mix(noise(from, 5000, 7), sine(1000, from, from, 8000));
      const offline = resample(x, from, to);
      const r = new Resampler(from, to);
      const streamed = r.process(x);
      if (from === to) assert.equal(r.latency, 0);
      else assert.ok(r.latency > 0 && r.latency <= to / 200, `${from} -> ${to}: latency ${r.latency}`);
      for (let n = 0; n + r.latency < streamed.length; n++) {
        assert.equal(streamed[n + r.latency], offline[n], `${from} -> ${to}: output ${n}`);
      }
    }
  });

  test('processInto writes into a caller buffer; too small a buffer throws before any state changes', () => {
    const r = new Resampler(16000, 8000);
    const out = new Int16Array(r.maxOutputLength(320));
    const frame = sine(440, 16000, 320);
    assert.equal(r.processInto(frame, out), 160);
    assert.throws(() => r.processInto(frame, new Int16Array(10)), RangeError);
    // The refused frame was not taken: r is in step with a twin fed one frame.
    const twin = new Resampler(16000, 8000);
    twin.process(frame);
    const a = new Int16Array(160);
    const b = twin.process(frame);
    assert.equal(r.processInto(frame, a), 160);
    assert.deepEqual(a, b);
  });

  test('the per-frame 2:1 conversion is cheap', () => {
    for (const [from, to] of [
      [16000, 8000],
      [8000, 16000],
    ] as const) {
      const r = new Resampler(from, to);
      const frame = sine(440, from, from / 50);
      const out = new Int16Array(r.maxOutputLength(frame.length));
      for (let i = 0; i < 500; i++) r.processInto(frame, out);
      const rounds = 5000;
      const start = performance.now();
      for (let i = 0; i < rounds; i++) r.processInto(frame, out);
      const us = ((performance.now() - start) * 1000) / rounds;
      // About 8 us on a 2020s laptop; generous for slow CI machines.
      assert.ok(us < 200, `${from} -> ${to}: ${us.toFixed(1)} us per 20 ms frame`);
    }
  });
});

describe('downmix', () => {
  test('stereo: the average of the two channels, rounded', () => {
    const left = Int16Array.from([100, -100, 32767, -32768, 3]);
    const right = Int16Array.from([300, 100, 32767, -32768, 0]);
    assert.deepEqual([...downmix(interleave(left, right), 2)], [200, 0, 32767, -32768, 2]);
  });

  test('a tone in one channel comes out at half level; opposite channels cancel', () => {
    const tone = sine(440, 8000, 800, 10000);
    const silent = new Int16Array(800);
    const oneSided = downmix(interleave(tone, silent), 2);
    assert.ok(Math.abs(db(rms(oneSided), rms(tone)) - db(1, 2)) < 0.01);
    const inverted = Int16Array.from(tone, (v) => -v);
    assert.ok(downmix(interleave(tone, inverted), 2).every((v) => v === 0));
  });

  test('more channels, a trailing partial frame, mono copies, bad counts', () => {
    assert.deepEqual([...downmix(Int16Array.from([3, 6, 9, 30, 60, 90, 1]), 3)], [6, 60]);
    const mono = Int16Array.from([1, 2, 3]);
    const copy = downmix(mono, 1);
    assert.deepEqual(copy, mono);
    assert.notEqual(copy, mono);
    assert.throws(() => downmix(mono, 0), RangeError);
  });
});
