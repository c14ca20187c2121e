import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { CpuMeter, cpuTicks, processTree } from '../../../../bench/cps/cpu-meter.ts';

/** A child node process that spins (busy) or sleeps for `ms`, started by this test. */
function child(busy: boolean, ms: number) {
  const code = busy
    ? `const end = Date.now() + ${ms}; while (Date.now() < end) {}`
    : `setTimeout(() => {}, ${ms})`;
  return spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('cpu-meter', () => {
  test('cpuTicks reads utime+stime of a live process and null for a gone one', () => {
    const ticks = cpuTicks(process.pid);
    assert.ok(ticks !== null && ticks > 0);
    assert.equal(cpuTicks(2 ** 22 + 1), null);
  });

  test('processTree finds the children of a process', async () => {
    const c = child(false, 5000);
    try {
      assert.ok(processTree(process.pid).includes(c.pid!));
      assert.deepEqual(processTree(c.pid!), [c.pid]);
    } finally {
      c.kill();
      await once(c, 'exit');
    }
  });

  test('a spinning process measures near one core, a sleeping one near zero', async () => {
    const busy = child(true, 3000);
    const idle = child(false, 3000);
    try {
      await sleep(300); // past node's own start-up
      const meter = new CpuMeter({ busy: [busy.pid!], idle: [idle.pid!], gone: [2 ** 22 + 1] });
      meter.sample();
      for (let i = 0; i < 5; i++) {
        await sleep(200);
        meter.sample();
      }
      const cpu = meter.percent();
      assert.ok(meter.seconds > 0.9 && meter.seconds < 1.5, `window ${meter.seconds}`);
      assert.ok(cpu.busy > 60 && cpu.busy < 130, `busy ${cpu.busy}`);
      assert.ok(cpu.idle < 10, `idle ${cpu.idle}`);
      assert.equal(cpu.gone, 0);
    } finally {
      busy.kill();
      idle.kill();
      await Promise.all([once(busy, 'exit'), once(idle, 'exit')]);
    }
  });

  test('the window is the time between the first and the last sample', () => {
    let t = 1000;
    const meter = new CpuMeter({ self: [process.pid] }, () => t);
    assert.equal(meter.seconds, 0);
    meter.sample();
    t = 3500;
    meter.sample();
    assert.equal(meter.seconds, 2.5);
  });
});
