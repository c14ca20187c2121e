import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeUlaw, encodeUlaw } from '../../../../src/media/codec/g711.ts';
import { type BeepDetection, BeepDetector } from '../../../../src/media/detect/beep-detector.ts';
import { DetectorError } from '../../../../src/media/detect/silence-detector.ts';

const RATE = 8000;
const ms = (n: number) => Math.round((n * RATE) / 1000);
/** Peak amplitude of a sine whose rms is `dbov` below full scale. */
const amp = (dbov: number) => 32768 * Math.SQRT2 * 10 ** (dbov / 20);

/** A seeded uniform generator (the same noise on every run). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

function clip(x: number): number {
  return Math.max(-32768, Math.min(32767, Math.round(x)));
}

/** Sines [Hz, dBov] summed for `durMs`. */
function tones(durMs: number, parts: Array<[number, number]>, phase = 0.3): Int16Array {
  const out = new Int16Array(ms(durMs));
  for (let i = 0; i < out.length; i++) {
    let v = 0;
    for (const [f, db] of parts) v += amp(db) * Math.sin((2 * Math.PI * f * i) / RATE + phase + f);
    out[i] = clip(v);
  }
  return out;
}

function concat(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Adds white noise at `dbov` (rms) to `pcm`. */
function withNoise(pcm: Int16Array, dbov: number, seed = 7): Int16Array {
  const rnd = random(seed);
  const sigma = 32768 * 10 ** (dbov / 20);
  return pcm.map((x) =>
    clip(x + sigma * Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd())),
  );
}

/** Through a G.711 mu-law codec and back, as the audio arrives over RTP. */
function viaUlaw(pcm: Int16Array): Int16Array {
  const bytes = new Uint8Array(pcm.length);
  encodeUlaw(pcm, bytes);
  const out = new Int16Array(pcm.length);
  decodeUlaw(bytes, out);
  return out;
}

/**
 * Speech-like audio: harmonics of a pitch that glides (intonation) and wobbles, shaped by two
 * moving formants, in syllables of about 200 ms with short gaps.
 */
function speech(durMs: number, f0: number, seed: number): Int16Array {
  const rnd = random(seed);
  const out = new Int16Array(ms(durMs));
  const rates = [0.5 + rnd(), 2.5 + 2 * rnd(), 0.3 + rnd()];
  let phase = 0;
  for (let i = 0; i < out.length; i++) {
    const t = i / RATE;
    const pitch =
      f0 * (1 + 0.2 * Math.sin(2 * Math.PI * rates[0] * t) + 0.06 * Math.sin(2 * Math.PI * rates[1] * t));
    phase += (2 * Math.PI * pitch) / RATE;
    const f1 = 500 + 250 * Math.sin(2 * Math.PI * rates[2] * t);
    const f2 = 1500 + 600 * Math.sin(2 * Math.PI * rates[2] * 1.7 * t + 1);
    let v = 0;
    for (let k = 1; k * pitch < 3400; k++) {
      const f = k * pitch;
      const gain = 1 / (1 + ((f - f1) / 150) ** 2) + 0.5 / (1 + ((f - f2) / 200) ** 2) + 0.05;
      v += gain * Math.sin(k * phase);
    }
    const syllable = Math.max(0, Math.sin(2 * Math.PI * 2.3 * t + seed)) ** 0.5;
    out[i] = clip(v * syllable * amp(-20));
  }
  return out;
}

/**
 * A held vowel: harmonics of an almost steady pitch (0.5% vibrato) shaped by two fixed
 * formants, `f1` and `f2` Hz.
 */
function vowel(durMs: number, f0: number, f1: number, f2: number): Int16Array {
  const out = new Int16Array(ms(durMs));
  let phase = 0;
  for (let i = 0; i < out.length; i++) {
    const pitch = f0 * (1 + 0.005 * Math.sin((2 * Math.PI * 5 * i) / RATE));
    phase += (2 * Math.PI * pitch) / RATE;
    let v = 0;
    for (let k = 1; k * f0 < 3400; k++) {
      const f = k * f0;
      v += (1 / (1 + ((f - f1) / 80) ** 2) + 0.6 / (1 + ((f - f2) / 120) ** 2) + 0.03) * Math.sin(k * phase);
    }
    out[i] = clip(v * amp(-18));
  }
  return out;
}

interface Run {
  beeps: BeepDetection[];
  /** The time (ms, from the first sample) of the frame that reported each beep. */
  reportedAt: number[];
}

/** Feeds `pcm` in frames of `frame` samples; a frame's atMs is when its last sample was heard. */
function run(pcm: Int16Array, o: { frame?: number; detector?: BeepDetector; t0?: number } = {}): Run {
  const frame = o.frame ?? 160;
  const det = o.detector ?? new BeepDetector();
  const t0 = o.t0 ?? 0;
  const r: Run = { beeps: [], reportedAt: [] };
  for (let at = 0; at < pcm.length; at += frame) {
    const chunk = pcm.subarray(at, Math.min(pcm.length, at + frame));
    const atMs = t0 + ((at + chunk.length) * 1000) / RATE;
    const b = det.push(chunk, atMs);
    if (b) {
      r.beeps.push(b);
      r.reportedAt.push(atMs);
    }
  }
  return r;
}

const silence = (durMs: number) => new Int16Array(ms(durMs));

describe('BeepDetector', () => {
  test('a steady tone anywhere from 400 to 2100 Hz is a beep, reported when it ends', () => {
    for (const f of [400, 425, 697, 1000, 1400, 1633, 2000, 2100]) {
      const lead = 300 + (f % 37);
      const r = run(concat(silence(lead), tones(500, [[f, -15]]), silence(300)));
      assert.equal(r.beeps.length, 1, `${f} Hz`);
      const b = r.beeps[0];
      assert.ok(Math.abs(b.frequency - f) <= 3, `${f} Hz read as ${b.frequency}`);
      assert.equal(b.ended, true);
      assert.ok(b.durationMs >= 460 && b.durationMs <= 500, `${f} Hz lasted ${b.durationMs}`);
      assert.ok(Math.abs(b.startMs - lead) <= 20, `${f} Hz started at ${b.startMs}, not ${lead}`);
      const end = lead + 500;
      assert.ok(
        r.reportedAt[0] > end && r.reportedAt[0] <= end + 60,
        `${f} Hz reported at ${r.reportedAt[0]}`,
      );
    }
  });

  test('250 ms is enough at any alignment; 200 ms never is', () => {
    for (let lead = 0; lead < 20; lead += 1.25) {
      const long = run(concat(silence(100 + lead), tones(250, [[1000, -12]]), silence(200)));
      assert.equal(long.beeps.length, 1, `250 ms after ${100 + lead} ms`);
      const short = run(concat(silence(100 + lead), tones(200, [[1000, -12]]), silence(200)));
      assert.equal(short.beeps.length, 0, `200 ms after ${100 + lead} ms`);
    }
  });

  test('a tone out of the 400-2100 Hz range, or too weak, is no beep', () => {
    for (const f of [250, 350, 2250, 2600]) {
      assert.equal(
        run(concat(silence(100), tones(800, [[f, -12]]), silence(200))).beeps.length,
        0,
        `${f} Hz`,
      );
    }
    assert.equal(
      run(concat(silence(100), tones(800, [[1000, -48]]), silence(200))).beeps.length,
      0,
      '-48 dBov',
    );
    assert.equal(
      run(concat(silence(100), tones(800, [[1000, -35]]), silence(200))).beeps.length,
      1,
      '-35 dBov',
    );
  });

  test('DTMF, two tones, is no beep even held long and with the most twist Q.24 allows', () => {
    const rows = [697, 770, 852, 941];
    const cols = [1209, 1336, 1477, 1633];
    for (const row of rows) {
      for (const col of cols) {
        for (const [rowDb, colDb] of [
          [-10, -10],
          [-6, -14], // row 8 dB louder
          [-14, -10], // column 4 dB louder
        ]) {
          const pcm = concat(
            silence(100),
            tones(700, [
              [row, rowDb],
              [col, colDb],
            ]),
            silence(200),
          );
          assert.equal(run(viaUlaw(pcm)).beeps.length, 0, `${row}+${col} at ${rowDb}/${colDb}`);
        }
      }
    }
  });

  test('speech-like audio (harmonics of a moving pitch, low to high voices) gives no beep', () => {
    for (const f0 of [90, 120, 160, 210, 280, 350, 450]) {
      for (const seed of [1, 2, 3]) {
        const r = run(viaUlaw(withNoise(speech(8000, f0, seed), -55, seed)));
        assert.equal(r.beeps.length, 0, `voice at ${f0} Hz, seed ${seed}: ${JSON.stringify(r.beeps)}`);
      }
    }
  });

  test('held vowels at a steady pitch give no beep: their energy spreads over several harmonics', () => {
    const vowels: Array<[string, number, number]> = [
      ['a', 700, 1200],
      ['e', 450, 1900],
      ['i', 300, 2300],
      ['o', 500, 900],
      ['u', 320, 800],
    ];
    for (const f0 of [100, 130, 180, 240, 300]) {
      for (const [name, f1, f2] of vowels) {
        const r = run(viaUlaw(concat(silence(100), vowel(1500, f0, f1, f2), silence(200))));
        assert.equal(r.beeps.length, 0, `'${name}' at ${f0} Hz: ${JSON.stringify(r.beeps)}`);
      }
    }
  });

  test('a buzz (harmonics nearly as loud as its fundamental) is not a single tone', () => {
    const buzz = tones(
      800,
      [1, 2, 3, 4, 5, 6, 7].map((k): [number, number] => [450 * k, k === 1 ? -18 : -20]),
    );
    assert.equal(run(concat(silence(100), buzz, silence(200))).beeps.length, 0);
  });

  test('a greeting then a beep: the beep is found, with its start on the atMs timeline', () => {
    const pcm = viaUlaw(
      withNoise(concat(speech(4000, 140, 5), silence(400), tones(600, [[1100, -18]])), -50),
    );
    const r = run(concat(pcm, silence(500)), { t0: 10_000 });
    assert.equal(r.beeps.length, 1);
    assert.ok(Math.abs(r.beeps[0].startMs - 14_400) <= 20, `started at ${r.beeps[0].startMs}`);
    assert.ok(Math.abs(r.beeps[0].frequency - 1100) <= 3);
  });

  test('noise 15 dB under the beep, mu-law, and a square-wave beep still count', () => {
    assert.equal(
      run(viaUlaw(withNoise(concat(silence(200), tones(400, [[800, -30]]), silence(200)), -45))).beeps.length,
      1,
    );
    // Odd harmonics of 500 Hz in the telephone band (a band-limited square wave).
    const square = tones(400, [
      [500, -15],
      [1500, -15 - 20 * Math.log10(3)],
      [2500, -15 - 20 * Math.log10(5)],
    ]);
    const r = run(concat(silence(200), square, silence(200)));
    assert.equal(r.beeps.length, 1);
    assert.equal(r.beeps[0].frequency, 500);
  });

  test('one lost 20 ms frame does not split a beep; 60 ms of silence ends it', () => {
    const gap = run(
      concat(silence(100), tones(200, [[900, -12]]), silence(20), tones(200, [[900, -12]]), silence(200)),
    );
    assert.equal(gap.beeps.length, 1);
    assert.ok(gap.beeps[0].durationMs >= 390, `lasted ${gap.beeps[0].durationMs}`);
    const split = run(
      concat(silence(100), tones(200, [[900, -12]]), silence(60), tones(200, [[900, -12]]), silence(200)),
    );
    assert.equal(split.beeps.length, 0, 'two 200 ms tones are two short tones');
  });

  test('a tone that goes on is reported at maxToneMs, not ended', () => {
    const r = run(concat(silence(100), tones(5000, [[1000, -12]])));
    assert.equal(r.beeps.length, 1);
    assert.equal(r.beeps[0].ended, false);
    assert.ok(r.beeps[0].durationMs >= 3000 && r.beeps[0].durationMs <= 3020);
    assert.ok(r.reportedAt[0] >= 3100 && r.reportedAt[0] <= 3140, `reported at ${r.reportedAt[0]}`);
    const short = run(concat(silence(100), tones(1000, [[1000, -12]])), {
      detector: new BeepDetector({ maxToneMs: 600 }),
    });
    assert.equal(short.beeps[0].ended, false);
    assert.ok(short.beeps[0].durationMs >= 600 && short.beeps[0].durationMs < 640);
  });

  test('a tone changing frequency is not one beep', () => {
    // Two 150 ms tones in a row (a two-tone chime): neither lasts long enough alone.
    const chime = concat(silence(100), tones(150, [[880, -12]]), tones(150, [[660, -12]]), silence(200));
    assert.equal(run(chime).beeps.length, 0);
    // A sweep from 500 to 1500 Hz over a second.
    const sweep = new Int16Array(ms(1000));
    let phase = 0;
    for (let i = 0; i < sweep.length; i++) {
      phase += (2 * Math.PI * (500 + (1000 * i) / sweep.length)) / RATE;
      sweep[i] = Math.round(amp(-12) * Math.sin(phase));
    }
    assert.equal(run(concat(silence(100), sweep, silence(200))).beeps.length, 0);
  });

  test('frames of any size give the same beep', () => {
    const pcm = concat(silence(333), tones(450, [[1250, -15]]), silence(200));
    const ref = run(pcm).beeps;
    for (const frame of [80, 240, 97, 1000]) {
      const r = run(pcm, { frame }).beeps;
      assert.equal(r.length, 1, `frames of ${frame}`);
      assert.equal(r[0].frequency, ref[0].frequency);
      assert.equal(r[0].durationMs, ref[0].durationMs);
      assert.ok(Math.abs(r[0].startMs - ref[0].startMs) < 1e-9, `frames of ${frame}: ${r[0].startMs}`);
    }
  });

  test('reports once; reset() listens afresh', () => {
    const det = new BeepDetector();
    const beep = concat(silence(100), tones(400, [[1000, -12]]), silence(100));
    assert.equal(run(beep, { detector: det }).beeps.length, 1);
    assert.ok(det.detection);
    assert.equal(run(beep, { detector: det }).beeps.length, 0, 'done until reset');
    det.reset();
    assert.equal(det.detection, undefined);
    assert.equal(run(beep, { detector: det }).beeps.length, 1);
  });

  test('hearingBeep is true while a long enough tone sounds', () => {
    const det = new BeepDetector();
    run(concat(silence(100), tones(200, [[1000, -12]])), { detector: det });
    assert.equal(det.hearingBeep, false, 'not yet 250 ms');
    run(tones(200, [[1000, -12]], 0.3 + (2 * Math.PI * 1000 * ms(200)) / RATE), { detector: det });
    assert.equal(det.hearingBeep, true);
  });

  test('bad options throw BAD_OPTION', () => {
    const bad = (o: ConstructorParameters<typeof BeepDetector>[0]) =>
      assert.throws(
        () => new BeepDetector(o),
        (e: unknown) => e instanceof DetectorError && e.code === 'BAD_OPTION',
      );
    bad({ minToneMs: 20 });
    bad({ minToneMs: Number.NaN });
    bad({ minToneMs: 500, maxToneMs: 400 });
  });
});
