import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { LocalEndpoint } from '../../../src/media/local/local-endpoint.ts';
import { assertRangeFree, sweep, testEngine } from '../../helpers/media-lab.ts';

const RECEIVER = fileURLToPath(new URL('../../helpers/rtp-timing-receiver.mjs', import.meta.url));
const STREAMS = Number(process.env.PATCHBAY_TIMING_STREAMS ?? 200);

interface TimingStats {
  streams: number;
  packets: number;
  p50: number;
  p99: number;
  max: number;
}

/** One run: STREAMS playbacks of 6 s from one engine, inter-departure deviation measured by another process. */
async function measure(): Promise<TimingStats> {
  const cleanups: Array<() => unknown> = [];
  try {
    // The first second of each stream is left out: the JIT compiles the send path then.
    const rx = spawn(process.execPath, [RECEIVER, '50'], { stdio: ['pipe', 'pipe', 'inherit'] });
    cleanups.push(() => rx.kill());
    const lines: string[] = [];
    let buffered = '';
    const nextLine = () =>
      new Promise<string>((resolve) => {
        const check = () => {
          const line = lines.shift();
          if (line !== undefined) resolve(line);
          else setTimeout(check, 10);
        };
        check();
      });
    rx.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      lines.push(...parts);
    });
    const port = Number(await nextLine());
    const engine = testEngine(STREAMS * 2 + 20);
    cleanups.push(() => engine.close());
    const endpoints: LocalEndpoint[] = [];
    for (let i = 0; i < STREAMS; i++) {
      const ep = await engine.createEndpoint({ idleSilence: false });
      ep.configure({
        remote: { address: '127.0.0.1', port, rtcpPort: port + 1, rtcpAddress: '127.0.0.1', rtcpMux: false },
        payloadType: 0,
        codec: 'PCMU',
        clockRate: 8000,
        ptime: 20,
        direction: 'sendrecv',
        hold: false,
        mediaIndex: 0,
      });
      endpoints.push(ep);
    }
    // Let the sockets' setup settle: what is measured is the steady state under load.
    await new Promise((r) => setTimeout(r, 300));
    const clip = sweep(6000);
    const playing = endpoints.map((ep) => ep.play([{ kind: 'pcm', samples: clip }]).done);
    const results = await Promise.all(playing);
    assert.ok(results.every((r) => r.reason === 'finished' && r.playedMs === 6000));
    rx.stdin.end();
    const stats = JSON.parse(await nextLine()) as TimingStats;
    const range = engine.ports;
    await engine.close();
    await assertRangeFree(range);
    return stats;
  } finally {
    for (const c of cleanups) await c();
  }
}

/**
 * This VM stalls now and then for 2-20 ms, whatever runs (bench/README.md, media-playback):
 * a run that meets the bound proves the clock; a stall fails a run, so up to three runs are
 * made and each is printed. A clock that drifts or batches fails all three.
 */
const ATTEMPTS = 3;

describe('media clock under load', () => {
  test(`${STREAMS} concurrent playbacks leave at 20 ms intervals (p99 deviation <= 2 ms after warm-up, measured in another process)`, async () => {
    const runs: TimingStats[] = [];
    for (let i = 0; i < ATTEMPTS; i++) {
      const stats = await measure();
      console.log(`timing: ${JSON.stringify(stats)}`);
      runs.push(stats);
      assert.equal(stats.streams, STREAMS);
      assert.ok(stats.packets >= STREAMS * 290, `only ${stats.packets} packets`);
      if (stats.p50 < 1 && stats.p99 <= 2) return;
    }
    const shown = runs.map((r) => `p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(2)} max ${r.max.toFixed(2)}`);
    assert.fail(`no run met p50 < 1 ms and p99 <= 2 ms: ${shown.join('; ')}`);
  });
});
