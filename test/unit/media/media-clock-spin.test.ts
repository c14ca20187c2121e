import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MediaClock } from '../../../src/media/media-clock.ts';

/** Runs a real-time clock with one ticker for `ms`; counts ticks and the loop steps (setImmediate) it took. */
async function run(ms: number, sends: boolean): Promise<{ ticks: number; steps: number; maxLateMs: number }> {
  const clock = new MediaClock();
  let ticks = 0;
  const original = globalThis.setImmediate;
  let steps = 0;
  const counting = ((fn: (...args: unknown[]) => void, ...args: unknown[]) => {
    steps++;
    return original(fn, ...args);
  }) as typeof setImmediate;
  globalThis.setImmediate = counting;
  try {
    const remove = clock.add({
      onTick: () => {
        ticks++;
        if (sends) clock.sentMedia();
      },
    });
    await sleep(ms);
    remove();
  } finally {
    globalThis.setImmediate = original;
  }
  return { ticks, steps, maxLateMs: clock.stats().maxLateMs };
}

describe('MediaClock on the real clock: the loop is stepped only before ticks that send', () => {
  test('tickers that send nothing (bridged calls, RTCP) get their ticks without a spinning loop', async () => {
    const quiet = await run(400, false);
    assert.ok(quiet.ticks >= 17 && quiet.ticks <= 22, `ticks every 20 ms: ${quiet.ticks} in 400 ms`);
    // The first tick after start is stepped (nothing was known yet); none after.
    assert.ok(quiet.steps <= 5, `the loop was stepped ${quiet.steps} times for ticks that sent nothing`);
    assert.ok(quiet.maxLateMs < 20, `late ${quiet.maxLateMs} ms`);
  });

  test('while media is sent each tick is stepped to its due time', async () => {
    const busy = await run(400, true);
    assert.ok(busy.ticks >= 17 && busy.ticks <= 22, `ticks every 20 ms: ${busy.ticks} in 400 ms`);
    assert.ok(busy.steps >= busy.ticks, `stepped ${busy.steps} times for ${busy.ticks} ticks`);
  });
});
