/**
 * The engine side of bench:media-playback, one process per step of the ladder: N endpoints,
 * each sending to one of the receiver's sockets, all playing the same clip at once. The
 * window opens `warmupMs` after playback starts (the JIT compiles the send path during the
 * first second) and closes when the last playback ends.
 */
import type { LocalEndpoint } from '../../src/media/local/local-endpoint.ts';
import { childChannel } from './child-channel.ts';
import { CpuWindow } from './cpu-window.ts';
import { benchEngine, createEndpoints, heapUsedMb, measureIdle, mediaTowards } from './engine-setup.ts';
import type { PlaybackEngineConfig, PlaybackEngineIn, PlaybackEngineOut } from './protocol.ts';
import { TickProbe } from './tick-probe.ts';

const { config, send, onMessage, fail } = childChannel<
  PlaybackEngineConfig,
  PlaybackEngineIn,
  PlaybackEngineOut
>();

/** A 300 -> 3000 Hz sweep at -12 dBov: audio that changes every frame, like speech would. */
function sweep(ms: number): Int16Array {
  const n = ms * 8;
  const out = new Int16Array(n);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    phase += (2 * Math.PI * (300 + (2700 * i) / n)) / 8000;
    out[i] = Math.round(8000 * Math.sin(phase));
  }
  return out;
}

async function play(endpoints: LocalEndpoint[], probe: TickProbe): Promise<void> {
  const clip = sweep(config.clipMs);
  const cpu = new CpuWindow();
  const done = endpoints.map((ep) => ep.play([{ kind: 'pcm', samples: clip }]).done);
  const warm = setTimeout(() => {
    probe.start();
    cpu.start();
    send({ type: 'window', phase: 'start' });
  }, config.warmupMs);
  const results = await Promise.all(done);
  clearTimeout(warm);
  probe.stop();
  cpu.stop();
  send({ type: 'window', phase: 'end' });
  let packetsSent = 0;
  for (const ep of endpoints) packetsSent += ep.stats().packetsSent;
  const clock = probe.figures();
  send({
    type: 'result',
    result: {
      packetsSent,
      windowPackets: endpoints.length * clock.windowTicks,
      playbacksFinished: results.filter((r) => r.reason === 'finished').length,
      cpu: cpu.figures,
      clock,
      heapUsedMb: heapUsedMb(),
    },
  });
}

try {
  const t0 = performance.now();
  const engine = benchEngine(config.ports);
  const probe = new TickProbe(engine.clock);
  const endpoints = await createEndpoints(engine, config.streams);
  endpoints.forEach((ep, i) => {
    ep.configure(mediaTowards(config.receiverPorts[i % config.receiverPorts.length], 'PCMU'));
  });
  const setupMs = Math.round(performance.now() - t0);
  const idle = await measureIdle(config.settleMs, config.idleMs);
  onMessage((msg) => {
    if (msg.type === 'play') play(endpoints, probe).catch(fail);
  });
  send({ type: 'ready', setupMs, idle });
} catch (err) {
  fail(err);
}
