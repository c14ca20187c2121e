import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WaitVerb } from '../../../../schemas/xml/index.ts';
import { NEXT, type VerbOutcome } from '../../../../src/callflow/verb.ts';
import { waitVerb } from '../../../../src/callflow/verbs/wait.ts';
import type { AudioDirection, AudioListener } from '../../../../src/media/media-engine.ts';
import { FakeEndpoint, type FakeVerbContext, fakeVerbContext } from '../../../helpers/fake-verb-context.ts';

const RATE = 8000;
const FRAME = 160;

function wait(over: Partial<WaitVerb> = {}): WaitVerb {
  return {
    verb: 'Wait',
    length: 10,
    silence: false,
    minSilence: 2000,
    beep: false,
    path: 'Response/Wait[1]',
    line: 1,
    col: 11,
    ...over,
  };
}

/** The fake endpoint, counting the audio listeners that are registered and not removed. */
class CountingEndpoint extends FakeEndpoint {
  audioListeners = 0;

  override onAudio(direction: AudioDirection, listener: AudioListener): () => void {
    const off = super.onAudio(direction, listener);
    this.audioListeners++;
    let on = true;
    return () => {
      if (on) this.audioListeners--;
      on = false;
      off();
    };
  }
}

/** Audio for the caller, one 20 ms frame per call: `n` is the frame number from the start. */
type Source = (n: number) => Int16Array | undefined;

/** A 20 ms frame of sines [Hz, peak], continuous from frame to frame. */
const tones =
  (...parts: Array<[number, number]>): Source =>
  (n) => {
    const out = new Int16Array(FRAME);
    for (let i = 0; i < FRAME; i++) {
      const t = (n * FRAME + i) / RATE;
      out[i] = Math.round(parts.reduce((v, [f, a]) => v + a * Math.sin(2 * Math.PI * f * t), 0));
    }
    return out;
  };

/** Speech-like: harmonics of a pitch gliding between 100 and 200 Hz, rolling off. */
const speech: Source = (n) => {
  const out = new Int16Array(FRAME);
  for (let i = 0; i < FRAME; i++) {
    const t = (n * FRAME + i) / RATE;
    // Phase of a pitch 150 + 50 sin(2 pi 0.8 t), integrated.
    const phase = 2 * Math.PI * (150 * t - (50 / (2 * Math.PI * 0.8)) * Math.cos(2 * Math.PI * 0.8 * t));
    let v = 0;
    for (let k = 1; k <= 15; k++) v += Math.sin(k * phase) / k;
    out[i] = Math.round(4000 * v);
  }
  return out;
};

const quiet: Source = () => new Int16Array(FRAME);

interface Harness {
  ctx: FakeVerbContext;
  ep: CountingEndpoint;
  /** The outcome once the verb returned. */
  outcome(): VerbOutcome | undefined;
  /** Clock time (ms since start) at which the verb returned, to the 20 ms step. */
  endedAt(): number | undefined;
  /** Runs the clock for `ms` in 20 ms steps, the caller sending `source(n)` at each step (none: no RTP). */
  run(ms: number, source?: Source): Promise<void>;
  /** How the verb said it ended ('length', 'silence', 'beep', 'aborted'). */
  ending(): unknown;
}

const flush = () => new Promise<void>((r) => setImmediate(r));

function start(verb: WaitVerb, opts: { answered?: boolean; abortFirst?: boolean } = {}): Harness {
  const ep = new CountingEndpoint();
  const ctx = fakeVerbContext({ endpoint: ep, answered: opts.answered ?? true });
  if (opts.abortFirst) ctx.hangup();
  let outcome: VerbOutcome | undefined;
  let endedAt: number | undefined;
  let frame = 0;
  void waitVerb.run(verb, ctx).then((o) => {
    outcome = o;
    endedAt = ctx.fakeClock.now();
  });
  return {
    ctx,
    ep,
    outcome: () => outcome,
    endedAt: () => endedAt,
    async run(ms, source) {
      for (let t = 0; t < ms && outcome === undefined; t += 20) {
        ctx.fakeClock.advance(20);
        const pcm = source?.(frame);
        frame++;
        if (pcm) ep.emitAudio('in', pcm, ctx.fakeClock.now());
        await flush();
      }
    },
    ending: () => ctx.logs.find((l) => l.msg === 'Wait ended')?.ending,
  };
}

/** Nothing left behind: no audio listener, no timer. */
function assertClean(h: Harness): void {
  assert.equal(h.ep.audioListeners, 0, 'audio listeners left');
  assert.equal(h.ctx.fakeClock.armed, 0, 'timers left');
}

describe('Wait', () => {
  test('needs: nothing when it is the first verb of an unanswered call (the caller keeps ringing), else an answer', () => {
    assert.equal(typeof waitVerb.needs, 'function');
    const needs = waitVerb.needs as Exclude<typeof waitVerb.needs, string>;
    for (const v of [wait(), wait({ silence: true }), wait({ beep: true })]) {
      assert.equal(needs(v, { first: true, answered: false }), 'none');
      assert.equal(needs(v, { first: true, answered: true }), 'answered');
      assert.equal(needs(v, { first: false, answered: false }), 'answered');
      assert.equal(needs(v, { first: false, answered: true }), 'answered');
    }
  });

  test('plain: length seconds on the clock, then the next verb; the caller is not listened to', async () => {
    const h = start(wait({ length: 3 }));
    assert.equal(h.ep.audioListeners, 0);
    await h.run(2980, speech);
    assert.equal(h.outcome(), undefined);
    await h.run(20);
    assert.deepEqual(h.outcome(), NEXT);
    assert.equal(h.endedAt(), 3000);
    assertClean(h);
  });

  test('plain: the call ending aborts it at once', async () => {
    const h = start(wait({ length: 30 }));
    await h.run(1000);
    h.ctx.hangup();
    await flush();
    assert.deepEqual(h.outcome(), NEXT);
    assert.equal(h.endedAt(), 1000);
    assertClean(h);
  });

  test('silence: ends minSilence after the caller stops talking', async () => {
    const h = start(wait({ length: 10, silence: true, minSilence: 2000 }));
    assert.equal(h.ep.audioListeners, 1);
    await h.run(1500, speech);
    await h.run(1980, quiet);
    assert.equal(h.outcome(), undefined, 'not before 2 s of silence');
    await h.run(20, quiet);
    assert.deepEqual(h.outcome(), NEXT);
    assert.equal(h.endedAt(), 3500);
    assert.equal(h.ending(), 'silence');
    assertClean(h);
  });

  test('silence: a peer that sends no RTP is silent, from the start or after talking', async () => {
    const none = start(wait({ length: 10, silence: true, minSilence: 1500 }));
    await none.run(5000);
    assert.equal(none.endedAt(), 1500);
    assert.equal(none.ending(), 'silence');
    assertClean(none);

    const stops = start(wait({ length: 10, silence: true, minSilence: 1500 }));
    await stops.run(1000, speech);
    await stops.run(5000);
    assert.equal(stops.endedAt(), 2500);
    assertClean(stops);
  });

  test('silence: low hiss counts as silence', async () => {
    let seed = 1;
    const hiss: Source = () => {
      const out = new Int16Array(FRAME);
      for (let i = 0; i < FRAME; i++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        out[i] = (seed % 161) - 80; // uniform +-80: mean absolute 40, about -55 dBov
      }
      return out;
    };
    const h = start(wait({ length: 10, silence: true, minSilence: 1000 }));
    await h.run(400, speech);
    await h.run(3000, hiss);
    assert.equal(h.endedAt(), 1400);
    assertClean(h);
  });

  test('silence: at most length seconds when the caller never stops', async () => {
    const h = start(wait({ length: 4, silence: true, minSilence: 1000 }));
    await h.run(6000, speech);
    assert.equal(h.endedAt(), 4000);
    assert.equal(h.ending(), 'length');
    assertClean(h);
  });

  test('silence: pauses shorter than minSilence do not end it', async () => {
    const h = start(wait({ length: 10, silence: true, minSilence: 1000 }));
    for (let i = 0; i < 3; i++) {
      await h.run(500, speech);
      await h.run(800, quiet);
    }
    assert.equal(h.outcome(), undefined);
    await h.run(200, quiet);
    assert.equal(h.endedAt(), 3 * 1300 + 200);
    assertClean(h);
  });

  test('beep: ends when the answering machine beep has sounded, not before', async () => {
    const h = start(wait({ length: 20, beep: true }));
    await h.run(3000, speech); // the greeting
    await h.run(300, quiet);
    await h.run(600, tones([1000, 8000]));
    assert.equal(h.outcome(), undefined, 'the beep is still on');
    await h.run(1000, quiet);
    assert.deepEqual(h.outcome(), NEXT);
    const at = h.endedAt() ?? 0;
    assert.ok(at > 3900 && at <= 3960, `ended at ${at}`);
    assert.equal(h.ending(), 'beep');
    assertClean(h);
  });

  test('beep: speech, DTMF and silence are no beep: length seconds', async () => {
    const h = start(wait({ length: 5, beep: true }));
    await h.run(2000, speech);
    await h.run(800, tones([770, 6000], [1336, 6000])); // a held "5"
    await h.run(200, quiet);
    await h.run(800, tones([941, 7000], [1477, 4000])); // "#" with twist
    assert.equal(h.outcome(), undefined);
    await h.run(2000, quiet);
    assert.equal(h.endedAt(), 5000);
    assert.equal(h.ending(), 'length');
    assertClean(h);
  });

  test('silence and beep together: a warning, and silence wins', async () => {
    const h = start(wait({ length: 10, silence: true, beep: true, minSilence: 1000 }));
    await h.run(5000);
    assert.equal(h.endedAt(), 1000, 'ended on silence, with no beep heard');
    assert.ok(h.ctx.logs.some((l) => l.level === 40 && /mutually exclusive/.test(l.msg)));
    assertClean(h);
  });

  test('unanswered (ringing, or inside PreAnswer): always length, nothing listened to', async () => {
    const h = start(wait({ length: 3, silence: true, minSilence: 500 }), { answered: false });
    assert.equal(h.ep.audioListeners, 0);
    await h.run(2980);
    assert.equal(h.outcome(), undefined);
    await h.run(20);
    assert.equal(h.endedAt(), 3000);
    assertClean(h);
  });

  test('minSilence not shorter than length: length ends it', async () => {
    const h = start(wait({ length: 2, silence: true, minSilence: 5000 }));
    await h.run(6000);
    assert.equal(h.endedAt(), 2000);
    assert.equal(h.ending(), 'length');
    assertClean(h);
  });

  test('listening: the call ending stops it at once and leaves nothing behind', async () => {
    for (const v of [wait({ silence: true }), wait({ beep: true })]) {
      const h = start(v);
      await h.run(700, speech);
      assert.equal(h.ep.audioListeners, 1);
      h.ctx.hangup();
      await flush();
      assert.deepEqual(h.outcome(), NEXT);
      assert.equal(h.endedAt(), 700);
      assert.equal(h.ending(), 'aborted');
      assertClean(h);
    }
  });

  test('a call already ended: returns at once without listening', async () => {
    for (const v of [wait(), wait({ silence: true }), wait({ beep: true })]) {
      const h = start(v, { abortFirst: true });
      await flush();
      assert.deepEqual(h.outcome(), NEXT);
      assert.equal(h.endedAt(), 0);
      assertClean(h);
    }
  });
});
