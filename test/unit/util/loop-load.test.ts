import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LoopLoad, type LoopTimes } from '../../../src/util/loop-load.ts';

describe('LoopLoad', () => {
  test('the busy share of the last samples; older ones leave the window', () => {
    const t: LoopTimes = { idle: 0, active: 0 };
    const load = new LoopLoad({ source: () => ({ ...t }), samples: 4, timer: false });
    assert.equal(load.recent(), 0, 'no time yet');
    const period = (active: number) => {
      t.active += active;
      t.idle += 250 - active;
      load.sample();
    };
    period(250);
    assert.equal(load.recent(), 1);
    period(50);
    assert.equal(load.recent(), 300 / 500);
    for (let i = 0; i < 4; i++) period(25);
    assert.equal(load.recent(), 0.1, 'the saturated periods left the window');
  });

  test('on the process: a loop kept busy reads near 1, an idle one near 0', async () => {
    const load = new LoopLoad({ sampleMs: 50, samples: 4 });
    try {
      const until = performance.now() + 260;
      while (performance.now() < until) await new Promise<void>((r) => setImmediate(r));
      assert.ok(load.recent() > 0.8, `busy ${load.recent()}`);
      await new Promise((r) => setTimeout(r, 260));
      assert.ok(load.recent() < 0.3, `idle ${load.recent()}`);
    } finally {
      load.close();
    }
  });
});
