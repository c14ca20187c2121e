// The measuring tools of the media tests (test/helpers/audio.ts) checked on signals whose
// answer is known, so a passing media test cannot come from a tool that reads nothing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  crossCorrelationMax,
  db,
  dominantFrequency,
  interleave,
  mix,
  rms,
  sine,
  toneAmplitude,
  zeroCrossingFrequency,
} from '../../../helpers/audio.ts';

describe('signal helpers', () => {
  test('sine and rms: a sine of amplitude A has RMS A/sqrt(2); silence 0', () => {
    const s = sine(1000, 8000, 8000, 10000);
    assert.equal(s.length, 8000);
    assert.equal(Math.max(...s), 10000);
    assert.ok(Math.abs(rms(s) - 10000 / Math.SQRT2) < 1);
    assert.equal(rms(new Int16Array(10)), 0);
    assert.ok(Math.abs(db(2, 1) - 6.0206) < 1e-3);
  });

  test('zeroCrossingFrequency reads a tone to 0.01%, at any rate and phase', () => {
    for (const [freq, rate] of [
      [440, 8000],
      [1000, 16000],
      [3333.3, 44100],
    ]) {
      const measured = zeroCrossingFrequency(sine(freq, rate, rate / 2, 8000, 0.7), rate);
      assert.ok(Math.abs(measured / freq - 1) < 1e-4, `${freq} Hz read as ${measured}`);
    }
    assert.equal(zeroCrossingFrequency(new Int16Array(100), 8000), 0);
  });

  test('toneAmplitude reads each component of a mix and nothing where there is none', () => {
    const s = mix(sine(697, 8000, 800, 6000), sine(1209, 8000, 800, 3000));
    assert.ok(Math.abs(toneAmplitude(s, 8000, 697) - 6000) < 60);
    assert.ok(Math.abs(toneAmplitude(s, 8000, 1209) - 3000) < 30);
    assert.ok(toneAmplitude(s, 8000, 941) < 30);
  });

  test('dominantFrequency finds the strongest of several tones, off the analysis grid', () => {
    const s = mix(sine(480.7, 8000, 4000, 3000), sine(620.3, 8000, 4000, 6000));
    assert.ok(Math.abs(dominantFrequency(s, 8000) - 620.3) < 0.5);
    assert.ok(Math.abs(dominantFrequency(s, 8000, 50, 550) - 480.7) < 0.5);
  });

  test('crossCorrelationMax finds a known shift and tells unrelated signals apart', () => {
    const a = mix(sine(300, 8000, 2000, 5000), sine(1700, 8000, 2000, 3000, 1));
    const shifted = new Int16Array(2000);
    shifted.set(a.subarray(0, 1993), 7); // b[i + 7] = a[i]
    const best = crossCorrelationMax(a, shifted, 20);
    assert.equal(best.lag, 7);
    assert.ok(best.value > 0.99);
    const other = sine(2300, 8000, 2000, 5000);
    assert.ok(crossCorrelationMax(a, other, 20).value < 0.2);
  });

  test('interleave puts left on even and right on odd indices', () => {
    assert.deepEqual([...interleave(Int16Array.from([1, 2]), Int16Array.from([-1, -2]))], [1, -1, 2, -2]);
  });
});
