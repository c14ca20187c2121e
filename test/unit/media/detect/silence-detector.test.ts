import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DetectorError, SilenceDetector } from '../../../../src/media/detect/silence-detector.ts';

const FRAME = 160;

/** A seeded uniform generator (the same noise on every run). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

/** 20 ms of white noise at `dbov` (rms), plus a constant `dc`. */
function noise(dbov: number, rnd: () => number, dc = 0): Int16Array {
  const sigma = 32768 * 10 ** (dbov / 20);
  const out = new Int16Array(FRAME);
  for (let i = 0; i < FRAME; i++) {
    const g = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
    out[i] = Math.max(-32768, Math.min(32767, Math.round(dc + sigma * g)));
  }
  return out;
}

/** 20 ms of a 300 Hz sine of peak `amplitude`. */
function sine(amplitude: number, frame: number): Int16Array {
  const out = new Int16Array(FRAME);
  for (let i = 0; i < FRAME; i++)
    out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * 300 * (frame * FRAME + i)) / 8000));
  return out;
}

/**
 * Feeds frames arriving every 20 ms from t = 20 (the detector started at 0) while `frame(n)`
 * gives one; returns the arrival time of the frame on which push() first said true.
 */
function feed(
  det: SilenceDetector,
  frame: (n: number) => Int16Array | undefined,
  frames = 500,
): number | undefined {
  for (let n = 0; n < frames; n++) {
    const pcm = frame(n);
    if (!pcm) continue;
    if (det.push(pcm, (n + 1) * 20)) return (n + 1) * 20;
  }
  return undefined;
}

describe('SilenceDetector', () => {
  test('digital silence from the start completes at minSilence', () => {
    const det = new SilenceDetector({ minSilenceMs: 2000, startMs: 0 });
    assert.equal(
      feed(det, () => new Int16Array(FRAME)),
      2000,
    );
    assert.equal(det.complete, true);
  });

  test('talk restarts the count: complete minSilence after the last loud frame', () => {
    const det = new SilenceDetector({ minSilenceMs: 1000, startMs: 0 });
    // Loud for 1.5 s with a 600 ms pause in the middle (shorter than minSilence).
    const loud = (n: number) => n < 30 || (n >= 60 && n < 75);
    const rnd = random(1);
    const at = feed(det, (n) => (loud(n) ? sine(3000, n) : noise(-60, rnd)));
    assert.equal(at, 75 * 20 + 1000);
  });

  test('low hiss and comfort noise are silence; a voice at -40 dBov is not', () => {
    const rnd = random(2);
    const hiss = new SilenceDetector({ minSilenceMs: 500, startMs: 0 });
    assert.equal(
      feed(hiss, () => noise(-50, rnd)),
      500,
    );
    const hum = new SilenceDetector({ minSilenceMs: 500, startMs: 0 });
    assert.equal(
      feed(hum, () => noise(-52, rnd, 3000)),
      500,
      'a DC offset is no sound',
    );
    const voice = new SilenceDetector({ minSilenceMs: 500, startMs: 0 });
    assert.equal(
      feed(voice, () => noise(-40, rnd)),
      undefined,
    );
    assert.equal(voice.hearingSound, true);
  });

  test('the threshold is a mean absolute level of 150 by default, and can be set', () => {
    // A sine's mean absolute value is 2/pi of its peak.
    const peak = (meanAbs: number) => (meanAbs * Math.PI) / 2;
    const quiet = new SilenceDetector({ minSilenceMs: 100, startMs: 0 });
    assert.equal(
      feed(quiet, (n) => sine(peak(140), n)),
      100,
    );
    const loud = new SilenceDetector({ minSilenceMs: 100, startMs: 0 });
    assert.equal(
      feed(loud, (n) => sine(peak(160), n)),
      undefined,
    );
    const raised = new SilenceDetector({ minSilenceMs: 100, startMs: 0, threshold: 200 });
    assert.equal(
      feed(raised, (n) => sine(peak(160), n)),
      100,
    );
  });

  test('no frames at all is silence: check(now) completes at dueAtMs', () => {
    const det = new SilenceDetector({ minSilenceMs: 800, startMs: 5000 });
    assert.equal(det.dueAtMs, 5800);
    assert.equal(det.check(5799), false);
    assert.equal(det.check(5800), true);
    assert.equal(det.complete, true);
  });

  test('a loud frame moves dueAtMs; frames that stop count as silence from the last loud one', () => {
    const det = new SilenceDetector({ minSilenceMs: 800, startMs: 0 });
    assert.equal(det.push(sine(5000, 0), 300), false);
    assert.equal(det.dueAtMs, 1100);
    assert.equal(det.push(new Int16Array(FRAME), 320), false);
    assert.equal(det.hearingSound, false);
    // Then the peer sends nothing.
    assert.equal(det.check(1099), false);
    assert.equal(det.check(1100), true);
  });

  test('a frame arriving late does not move silence back', () => {
    const det = new SilenceDetector({ minSilenceMs: 800, startMs: 1000 });
    det.push(sine(5000, 0), 900);
    assert.equal(det.dueAtMs, 1800);
  });

  test('once complete it stays complete', () => {
    const det = new SilenceDetector({ minSilenceMs: 100, startMs: 0 });
    assert.equal(det.check(100), true);
    assert.equal(det.push(sine(10000, 0), 120), true);
    assert.equal(det.complete, true);
    assert.equal(det.check(0), true);
  });

  test('frames of any length; an empty frame is quiet', () => {
    const det = new SilenceDetector({ minSilenceMs: 300, startMs: 0 });
    assert.equal(det.push(new Int16Array(0), 10), false);
    assert.equal(det.push(sine(5000, 0).subarray(0, 37), 50), false);
    assert.equal(det.hearingSound, true);
    assert.equal(det.push(new Int16Array(240), 349), false);
    assert.equal(det.push(new Int16Array(240), 350), true);
  });

  test('bad options throw BAD_OPTION', () => {
    for (const o of [
      { minSilenceMs: 0, startMs: 0 },
      { minSilenceMs: -5, startMs: 0 },
      { minSilenceMs: Number.NaN, startMs: 0 },
      { minSilenceMs: Number.POSITIVE_INFINITY, startMs: 0 },
      { minSilenceMs: 100, startMs: 0, threshold: 0 },
    ]) {
      assert.throws(
        () => new SilenceDetector(o),
        (e: unknown) => e instanceof DetectorError && e.code === 'BAD_OPTION',
        JSON.stringify(o),
      );
    }
  });
});
