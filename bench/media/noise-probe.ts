/**
 * The machine's own timing noise, measured before the playback ladder: a thread that never
 * sleeps reads the clock in a loop for a few seconds on the CPU the engine will use, and
 * counts the moments it did not run (the hypervisor, interrupts, other processes). Every such
 * stall longer than 2 ms delays a tick of every stream, so it sets a floor under the p99.
 */
import { childChannel } from './child-channel.ts';
import type { NoiseConfig, NoiseOut } from './protocol.ts';

const { config, send } = childChannel<NoiseConfig, { type: 'none' }, NoiseOut>();

const end = performance.now() + config.ms;
const start = performance.now();
let last = start;
let over1 = 0;
let over2 = 0;
let max = 0;
let stolen = 0;
for (;;) {
  const t = performance.now();
  const gap = t - last;
  last = t;
  if (gap > 0.1) {
    stolen += gap;
    if (gap > 1) over1++;
    if (gap > 2) over2++;
    if (gap > max) max = gap;
  }
  if (t >= end) break;
}
const seconds = (last - start) / 1000;
send({
  type: 'report',
  report: {
    cpu: config.cpu,
    seconds: Math.round(seconds * 100) / 100,
    stallsOver1ms: over1,
    stallsOver2ms: over2,
    maxStallMs: Math.round(max * 100) / 100,
    stolenMsPerSecond: Math.round((stolen / seconds) * 100) / 100,
  },
});
