import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  dtmfFrequencies,
  dtmfTone,
  TONES,
  ToneSource,
  type ToneSpec,
} from '../../../../src/media/audio/tone.ts';
import { dominantFrequency, toneAmplitude } from '../../../helpers/audio.ts';

const RATE = 8000;

/** Peak amplitude of a sine at `dbov` (0 dBov = a sine peaking at full scale). */
function amplitudeAt(dbov: number): number {
  return 32767 * 10 ** (dbov / 20);
}

/** Reads `frames` 20 ms frames; returns the samples and what each readFrame returned. */
function read(source: ToneSource, frames: number): { samples: Int16Array; counts: number[] } {
  const samples = new Int16Array(frames * 160);
  const counts: number[] = [];
  const frame = new Int16Array(160);
  for (let f = 0; f < frames; f++) {
    counts.push(source.readFrame(frame));
    samples.set(frame, f * 160);
  }
  return { samples, counts };
}

/**
 * The tone computed directly from the spec, sample by sample (Math.sin of the full argument,
 * burst phase restarting at every burst), for comparison.
 */
function reference(spec: ToneSpec, length: number): Int16Array {
  const a = amplitudeAt(spec.level ?? -13);
  const on = (spec.onMs * RATE) / 1000;
  const cycle = on + (spec.offMs * RATE) / 1000;
  const total = spec.totalMs === undefined ? Infinity : (spec.totalMs * RATE) / 1000;
  const out = new Int16Array(length);
  for (let n = 0; n < length && n < total; n++) {
    const k = spec.offMs === 0 ? n : n % cycle;
    if (spec.offMs > 0 && k >= on) continue;
    let sum = 0;
    for (const f of spec.freqs) sum += Math.sin((2 * Math.PI * f * k) / RATE);
    out[n] = Math.round(a * sum);
  }
  return out;
}

function assertMatches(actual: Int16Array, expected: Int16Array, what: string): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    if (Math.abs(actual[i] - expected[i]) > 1)
      assert.fail(`${what}: sample ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

/** Lengths of the alternating runs of "tone" and "silence", judged on 40-sample blocks. */
function cadence(samples: Int16Array): number[] {
  const runs: number[] = [];
  let on = true;
  let run = 0;
  for (let i = 0; i < samples.length; i += 40) {
    const block = samples.subarray(i, i + 40);
    const loud = block.some((v) => v !== 0);
    if (loud !== on) {
      runs.push(run);
      run = 0;
      on = loud;
    }
    run += block.length;
  }
  runs.push(run);
  return runs;
}

describe('ToneSource presets', () => {
  test('beep: 1000 Hz at -13 dBov for exactly 500 ms, then finished', () => {
    const source = new ToneSource(TONES.beep);
    const { samples, counts } = read(source, 27);
    assert.deepEqual(counts, [...Array(25).fill(160), 0, 0]);
    assert.ok(source.finished);
    const tone = samples.subarray(0, 4000);
    assert.ok(Math.abs(dominantFrequency(tone, RATE) - 1000) < 1);
    assert.ok(Math.abs(toneAmplitude(tone, RATE, 1000) / amplitudeAt(-13) - 1) < 0.01);
    assert.ok(samples.subarray(4000).every((v) => v === 0));
    assertMatches(tone, reference(TONES.beep, 4000), 'beep');
  });

  test('ringback: 440 + 480 Hz, 2 s on and 4 s off, repeating without end', () => {
    const source = new ToneSource(TONES.ringback);
    const { samples, counts } = read(source, 50 * 13); // 13 s: two cycles and a bit
    assert.ok(counts.every((n) => n === 160));
    assert.ok(!source.finished);
    assert.deepEqual(cadence(samples), [16000, 32000, 16000, 32000, 8000]);
    assertMatches(samples, reference(TONES.ringback, samples.length), 'ringback');
    const burst = samples.subarray(48000, 64000);
    for (const f of [440, 480])
      assert.ok(Math.abs(toneAmplitude(burst, RATE, f) / amplitudeAt(-13) - 1) < 0.01, `${f} Hz`);
    for (const f of [350, 620, 1000]) assert.ok(toneAmplitude(burst, RATE, f) < 10, `${f} Hz`);
  });

  test('busy: 480 + 620 Hz, 0.5 s on and off', () => {
    const { samples } = read(new ToneSource(TONES.busy), 50 * 3);
    assert.deepEqual(cadence(samples), [4000, 4000, 4000, 4000, 4000, 4000]);
    assertMatches(samples, reference(TONES.busy, samples.length), 'busy');
    const burst = samples.subarray(8000, 12000);
    const strongest = dominantFrequency(burst, RATE);
    assert.ok(Math.abs(strongest - 480) < 1 || Math.abs(strongest - 620) < 1, `${strongest} Hz`);
    for (const f of [480, 620])
      assert.ok(Math.abs(toneAmplitude(burst, RATE, f) / amplitudeAt(-13) - 1) < 0.01);
  });
});

describe('ToneSource cadence and length', () => {
  test('totalMs cuts the cadence where it falls; the last frame is partial and padded with silence', () => {
    const spec: ToneSpec = { freqs: [1000], onMs: 100, offMs: 50, totalMs: 330, level: -6 };
    const source = new ToneSource(spec);
    const { samples, counts } = read(source, 20);
    assert.deepEqual(counts, [...Array(16).fill(160), 80, 0, 0, 0]);
    assert.deepEqual(cadence(samples.subarray(0, 2640)), [800, 400, 800, 400, 240]);
    assert.ok(samples.subarray(2640).every((v) => v === 0));
    assertMatches(samples.subarray(0, 2640), reference(spec, 2640), 'cut tone');
    assert.ok(source.finished);
  });

  test('frames of other sizes and totalMs 0', () => {
    const source = new ToneSource({ freqs: [440], onMs: 10, offMs: 10, totalMs: 35 });
    const out = new Int16Array(100);
    assert.equal(source.readFrame(out), 100);
    assert.equal(source.readFrame(out), 100);
    assert.equal(source.readFrame(out), 80);
    assert.equal(source.readFrame(out), 0);
    assert.equal(new ToneSource({ freqs: [440], onMs: 10, offMs: 0, totalMs: 0 }).readFrame(out), 0);
  });

  test('no phase drift: after ten minutes the samples still match the direct formula', () => {
    for (const freq of [1000, 1234.5]) {
      const spec: ToneSpec = { freqs: [freq], onMs: 1000, offMs: 0 };
      const source = new ToneSource(spec);
      const frame = new Int16Array(160);
      const frames = 10 * 60 * 50;
      for (let f = 0; f < frames; f++) source.readFrame(frame);
      const a = amplitudeAt(-13);
      for (let i = 0; i < 160; i++) {
        const n = frames * 160 + i;
        const expected = Math.round(
          a * Math.sin(2 * Math.PI * ((freq * n) / RATE - Math.floor((freq * n) / RATE))),
        );
        source.readFrame(frame.subarray(i, i + 1));
        assert.ok(Math.abs(frame[i] - expected) <= 1, `${freq} Hz, sample ${n}: ${frame[i]} vs ${expected}`);
      }
    }
  });

  test('a continuous tone (offMs 0) has no seam at the end of each onMs', () => {
    const spec: ToneSpec = { freqs: [700], onMs: 30, offMs: 0, totalMs: 200 };
    const { samples } = read(new ToneSource(spec), 10);
    assertMatches(samples, reference(spec, 1600), 'continuous');
  });

  test('invalid specs are refused', () => {
    const base: ToneSpec = { freqs: [440], onMs: 100, offMs: 100 };
    for (const bad of [
      { ...base, freqs: [] },
      { ...base, freqs: [4000] },
      { ...base, freqs: [0] },
      { ...base, onMs: 0 },
      { ...base, offMs: -1 },
      { ...base, totalMs: Number.NaN },
      { ...base, level: 3 },
    ]) {
      assert.throws(() => new ToneSource(bad), RangeError, JSON.stringify(bad));
    }
  });
});

describe('DTMF tones', () => {
  const KEYS: Record<string, [number, number]> = {
    '1': [697, 1209],
    '2': [697, 1336],
    '3': [697, 1477],
    A: [697, 1633],
    '4': [770, 1209],
    '5': [770, 1336],
    '6': [770, 1477],
    B: [770, 1633],
    '7': [852, 1209],
    '8': [852, 1336],
    '9': [852, 1477],
    C: [852, 1633],
    '*': [941, 1209],
    '0': [941, 1336],
    '#': [941, 1477],
    D: [941, 1633],
  };
  const ALL_FREQS = [697, 770, 852, 941, 1209, 1336, 1477, 1633];

  test('every key: its row and column at -10 dBov each, nothing at the other six', () => {
    for (const [key, pair] of Object.entries(KEYS)) {
      assert.deepEqual(dtmfFrequencies(key), pair, key);
      const spec = dtmfTone(key, 100, 50);
      assert.equal(spec.totalMs, 150);
      const { samples, counts } = read(new ToneSource(spec), 9);
      assert.deepEqual(counts, [...Array(7).fill(160), 80, 0], key);
      const tone = samples.subarray(0, 800);
      assert.ok(
        samples.subarray(800).every((v) => v === 0),
        `${key}: silence after the tone`,
      );
      for (const f of ALL_FREQS) {
        const amp = toneAmplitude(tone, RATE, f);
        if (pair.includes(f))
          assert.ok(Math.abs(amp / amplitudeAt(-10) - 1) < 0.02, `${key}: ${f} Hz at ${amp}`);
        else assert.ok(amp < amplitudeAt(-10) / 100, `${key}: ${f} Hz at ${amp}`);
      }
    }
  });

  test('lower-case letters are keys too; anything else is refused', () => {
    assert.deepEqual(dtmfFrequencies('a'), [697, 1633]);
    assert.deepEqual(dtmfTone('d', 40).freqs, [941, 1633]);
    assert.equal(dtmfTone('d', 40).offMs, 0);
    assert.equal(dtmfFrequencies('E'), undefined);
    assert.equal(dtmfFrequencies('12'), undefined);
    assert.throws(() => dtmfTone('%', 100), RangeError);
    assert.throws(() => dtmfTone('', 100), RangeError);
  });
});
