import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type GatherEffects,
  GatherMachine,
  type GatherMachineOptions,
  type GatherResult,
  type GatherSound,
} from '../../../src/callflow/gather-machine.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

/** Sounds the test ends by hand; `stop()` ends the current one as a real playback would. */
class FakeSounds implements GatherEffects {
  readonly played: GatherSound[] = [];
  stops = 0;
  private ends: Array<() => void> = [];

  play(sound: GatherSound): Promise<unknown> {
    this.played.push(sound);
    return new Promise((resolve) => this.ends.push(() => resolve(undefined)));
  }

  stop(): void {
    this.stops++;
    this.endAll();
  }

  /** Ends every sound playing (they finished). */
  endAll(): void {
    const ends = this.ends;
    this.ends = [];
    for (const end of ends) end();
  }
}

const flush = () => new Promise<void>((r) => setImmediate(r));

const BASE: GatherMachineOptions = {
  executionTimeoutMs: 15_000,
  digitEndTimeoutMs: 5_000,
  finishOnKey: '#',
  numDigits: 32,
  attempts: 1,
  prompts: true,
  playBeep: false,
  invalidSound: false,
};

function machine(opts: Partial<GatherMachineOptions> = {}) {
  const clock = new FakeClock();
  const sounds = new FakeSounds();
  const m = new GatherMachine({ ...BASE, ...opts }, sounds, clock);
  let result: GatherResult | undefined;
  m.result.then((r) => {
    result = r;
  });
  m.start();
  return {
    m,
    clock,
    sounds,
    /** The result once settled (after a flush). */
    async result(): Promise<GatherResult | undefined> {
      await flush();
      return result;
    },
    keys(digits: string) {
      for (const d of digits) m.digit(d);
    },
  };
}

describe('GatherMachine', () => {
  test('executionTimeout counts only after the prompts end', async () => {
    const g = machine();
    assert.equal(g.m.state, 'prompting');
    assert.deepEqual(g.sounds.played, ['prompts']);
    g.clock.advance(60_000); // a long prompt: no timer runs while it plays
    assert.equal(g.m.state, 'prompting');
    assert.equal(g.clock.armed, 0);
    g.sounds.endAll();
    await flush();
    assert.equal(g.m.state, 'collecting');
    g.clock.advance(14_999);
    assert.equal(g.m.state, 'collecting');
    g.clock.advance(1);
    assert.deepEqual(await g.result(), { kind: 'none', reason: 'timeout', attempts: 1 });
    assert.equal(g.clock.armed, 0);
  });

  test('a digit during the prompts stops them (barge-in) and is the first digit', async () => {
    const g = machine();
    g.keys('4');
    assert.equal(g.sounds.stops, 1);
    assert.equal(g.m.state, 'collecting');
    await flush(); // the stopped prompt's end arrives late and changes nothing
    assert.equal(g.m.state, 'collecting');
    g.keys('2#');
    assert.deepEqual(await g.result(), { kind: 'input', digits: '42', attempts: 1 });
    assert.equal(g.clock.armed, 0);
  });

  test('digits before start do not count', async () => {
    const clock = new FakeClock();
    const sounds = new FakeSounds();
    const m = new GatherMachine({ ...BASE, prompts: false }, sounds, clock);
    m.digit('9');
    m.start();
    m.digit('1');
    m.digit('#');
    assert.deepEqual(await m.result, { kind: 'input', digits: '1', attempts: 1 });
  });

  test('digitEndTimeout restarts on every digit and submits what was typed', async () => {
    const g = machine({ prompts: false });
    assert.equal(g.m.state, 'collecting');
    g.keys('1');
    g.clock.advance(4_000);
    g.keys('2');
    g.clock.advance(4_000); // 8 s after the first digit: the gap restarted
    g.keys('3');
    g.clock.advance(4_999);
    assert.equal(await g.result(), undefined);
    g.clock.advance(1);
    assert.deepEqual(await g.result(), { kind: 'input', digits: '123', attempts: 1 });
    assert.equal(g.clock.armed, 0);
  });

  test('executionTimeout with digits submits them', async () => {
    const g = machine({ prompts: false, executionTimeoutMs: 5_000, digitEndTimeoutMs: 10_000 });
    g.clock.advance(3_000);
    g.keys('7');
    g.clock.advance(2_000);
    assert.deepEqual(await g.result(), { kind: 'input', digits: '7', attempts: 1 });
    assert.equal(g.clock.armed, 0);
  });

  test('finishOnKey submits at once and is not part of the digits', async () => {
    const g = machine({ prompts: false, finishOnKey: '*' });
    g.keys('12#*');
    assert.deepEqual(await g.result(), { kind: 'input', digits: '12#', attempts: 1 });
    assert.equal(g.clock.armed, 0);
  });

  test("finishOnKey '' means no terminator", async () => {
    const g = machine({ prompts: false, finishOnKey: '' });
    g.keys('1#');
    assert.equal(await g.result(), undefined);
    g.clock.advance(5_000);
    assert.deepEqual(await g.result(), { kind: 'input', digits: '1#', attempts: 1 });
  });

  test('numDigits reached submits at once', async () => {
    const g = machine({ prompts: false, numDigits: 3 });
    g.keys('12');
    assert.equal(await g.result(), undefined);
    g.keys('3');
    assert.deepEqual(await g.result(), { kind: 'input', digits: '123', attempts: 1 });
    assert.equal(g.clock.armed, 0);
    g.keys('4'); // after the end: ignored
    assert.equal(g.m.state, 'done');
  });

  test('finishOnKey alone is no input', async () => {
    const g = machine({ prompts: false });
    g.keys('#');
    assert.deepEqual(await g.result(), { kind: 'none', reason: 'timeout', attempts: 1 });
  });

  test('playBeep: the beep plays after the prompts, collection starts when it ends', async () => {
    const g = machine({ playBeep: true });
    g.sounds.endAll();
    await flush();
    assert.equal(g.m.state, 'beeping');
    assert.deepEqual(g.sounds.played, ['prompts', 'beep']);
    assert.equal(g.clock.armed, 0);
    g.sounds.endAll();
    await flush();
    assert.equal(g.m.state, 'collecting');
    assert.equal(g.clock.armed, 1);
  });

  test('validDigits + retries: the invalid sound, the prompts again, then valid input', async () => {
    const g = machine({ validDigits: '12', numDigits: 1, attempts: 3, invalidSound: true });
    g.keys('5'); // barge-in, invalid
    assert.equal(g.m.state, 'rejecting');
    assert.deepEqual(g.sounds.played, ['prompts', 'invalid']);
    g.keys('1'); // not listening while the invalid sound plays
    g.sounds.endAll();
    await flush();
    assert.equal(g.m.state, 'prompting');
    assert.deepEqual(g.sounds.played, ['prompts', 'invalid', 'prompts']);
    g.keys('2');
    assert.deepEqual(await g.result(), { kind: 'input', digits: '2', attempts: 2 });
    assert.equal(g.clock.armed, 0);
  });

  test('no input counts as a failed attempt; the last one ends with none', async () => {
    const g = machine({ prompts: false, attempts: 2, invalidSound: true });
    g.clock.advance(15_000);
    assert.equal(g.m.state, 'collecting'); // second attempt, no invalid sound for silence
    assert.deepEqual(g.sounds.played, []);
    assert.equal(g.m.attempts, 2);
    g.clock.advance(15_000);
    assert.deepEqual(await g.result(), { kind: 'none', reason: 'timeout', attempts: 2 });
    assert.equal(g.clock.armed, 0);
  });

  test('invalid on the last attempt: none, reason invalid, no sound', async () => {
    const g = machine({ prompts: false, validDigits: '0', attempts: 1, invalidSound: true });
    g.keys('9#');
    assert.deepEqual(await g.result(), { kind: 'none', reason: 'invalid', attempts: 1 });
    assert.deepEqual(g.sounds.played, []);
  });

  test('an invalid retry without a sound goes straight back to the prompts', async () => {
    const g = machine({ validDigits: '1', attempts: 2 });
    g.sounds.endAll();
    await flush();
    g.keys('3#');
    assert.equal(g.m.state, 'prompting');
    assert.deepEqual(g.sounds.played, ['prompts', 'prompts']);
  });

  test('abort while prompting stops the prompts and leaves no timer', async () => {
    const g = machine();
    g.m.abort();
    assert.equal(g.sounds.stops, 1);
    assert.deepEqual(await g.result(), { kind: 'aborted', attempts: 1 });
    assert.equal(g.clock.armed, 0);
  });

  test('abort while collecting cancels both timers', async () => {
    const g = machine({ prompts: false });
    g.keys('1');
    assert.equal(g.clock.armed, 2);
    g.m.abort();
    assert.deepEqual(await g.result(), { kind: 'aborted', attempts: 1 });
    assert.equal(g.clock.armed, 0);
    assert.equal(g.sounds.stops, 0);
  });
});
