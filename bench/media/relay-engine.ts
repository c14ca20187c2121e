/**
 * The engine side of bench:media-relay, one process per run: K bridges, each joining endpoint
 * A (towards phone A of the generator) and endpoint B (towards phone B). With the same codec
 * on both legs a bridge relays packets as they are (header rewritten); with PCMU on A and PCMA
 * on B it decodes and re-encodes each one. The runner marks the window the generator measures.
 */
import type { LocalEndpoint } from '../../src/media/local/local-endpoint.ts';
import { childChannel } from './child-channel.ts';
import { CpuWindow } from './cpu-window.ts';
import { benchEngine, createEndpoints, heapUsedMb, measureIdle, mediaTowards } from './engine-setup.ts';
import type { RelayEngineConfig, RelayEngineIn, RelayEngineOut } from './protocol.ts';
import { TickProbe } from './tick-probe.ts';

const { config, send, onMessage, fail } = childChannel<RelayEngineConfig, RelayEngineIn, RelayEngineOut>();

function totals(endpoints: LocalEndpoint[]): { sent: number; received: number } {
  let sent = 0;
  let received = 0;
  for (const ep of endpoints) {
    const s = ep.stats();
    sent += s.packetsSent;
    received += s.packetsReceived;
  }
  return { sent, received };
}

try {
  const t0 = performance.now();
  const engine = benchEngine(config.ports);
  const probe = new TickProbe(engine.clock);
  const endpoints = await createEndpoints(engine, config.bridges * 2, config.inbandDtmf);
  let relaying = true;
  for (let i = 0; i < config.bridges; i++) {
    const a = endpoints[2 * i];
    const b = endpoints[2 * i + 1];
    a.configure(mediaTowards(config.phonePorts[2 * i], config.codecA));
    b.configure(mediaTowards(config.phonePorts[2 * i + 1], config.codecB));
    relaying = engine.bridge(a, b).relaying && relaying;
  }
  const cpu = new CpuWindow();
  let sentAtStart = 0;
  let sentAtEnd = 0;
  onMessage((msg) => {
    const at = performance.now();
    if (msg.type === 'mark' && msg.phase === 'start') {
      // Counters first, then the CPU window: reading 2K endpoints' stats is not relaying work.
      sentAtStart = totals(endpoints).sent;
      cpu.start();
      probe.start();
      send({ type: 'marked', phase: 'start', tookMs: performance.now() - at });
    } else if (msg.type === 'mark' && msg.phase === 'end') {
      cpu.stop();
      probe.stop();
      sentAtEnd = totals(endpoints).sent;
      send({ type: 'marked', phase: 'end', tookMs: performance.now() - at });
    } else if (msg.type === 'close') {
      const all = totals(endpoints);
      send({
        type: 'result',
        result: {
          windowSent: sentAtEnd - sentAtStart,
          packetsSent: all.sent,
          packetsReceived: all.received,
          cpu: cpu.figures,
          clock: probe.figures(),
          heapUsedMb: heapUsedMb(),
        },
      });
    }
  });
  const setupMs = Math.round(performance.now() - t0);
  const idle = await measureIdle(config.settleMs, config.idleMs);
  send({
    type: 'ready',
    setupMs,
    idle,
    endpointPorts: endpoints.map((ep) => ep.port),
    relaying,
  });
} catch (err) {
  fail(err);
}
