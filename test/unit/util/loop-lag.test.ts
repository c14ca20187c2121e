import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LoopLag } from '../../../src/util/loop-lag.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('LoopLag', () => {
  test('a stall is seen at once and forgotten within about a second of keeping up', async () => {
    const lag = new LoopLag();
    try {
      await sleep(100);
      assert.ok(lag.recentMs() < 100, `idle: ${lag.recentMs()} ms`);
      const until = performance.now() + 300;
      while (performance.now() < until);
      // At once (before any timer could run: what a request read right after sees)...
      assert.ok(lag.recentMs() >= 250, `right after a 300 ms stall: ${lag.recentMs()} ms`);
      // ...and still once the timers have caught up.
      await sleep(30);
      assert.ok(lag.recentMs() >= 250, `after the timers ran: ${lag.recentMs()} ms`);
      await sleep(1300);
      assert.ok(lag.recentMs() < 100, `a second later: ${lag.recentMs()} ms`);
    } finally {
      lag.close();
    }
  });
});
