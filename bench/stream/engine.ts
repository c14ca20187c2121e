/**
 * bench:stream's engine: N endpoints of a LocalMediaEngine, each sending to its phone, and
 * one bidirectional StreamSession per endpoint to the load process's agent. Pinned to one
 * CPU by the runner.
 */
import { StreamSession } from '../../src/media/stream/stream-session.ts';
import { childChannel } from '../media/child-channel.ts';
import { benchEngine, createEndpoints, mediaTowards } from '../media/engine-setup.ts';
import type { EngineConfig, EngineIn, EngineOut } from './protocol.ts';

const { config, send, onMessage, fail } = childChannel<EngineConfig, EngineIn, EngineOut>();
const mb = (n: number) => Math.round(n / 1e5) / 10;

try {
  const engine = benchEngine(config.ports);
  const endpoints = await createEndpoints(engine, config.streams);
  endpoints.forEach((ep, i) => {
    ep.configure(mediaTowards(config.phonePorts[i] as number, 'PCMU'));
  });
  global.gc?.();
  const before = process.memoryUsage();
  const sessions = endpoints.map((endpoint, i) =>
    new StreamSession(
      {
        serviceUrl: `${config.agentUrl}/s${i}`,
        audioTrack: 'inbound',
        bidirectional: true,
        contentType: 'audio/x-l16;rate=8000',
        streamTimeout: 3600,
        statusCallbackMethod: 'POST',
        extraHeaders: {},
      },
      { callUuid: `call-${i}`, accountId: 'bench', endpoint },
    ).start(),
  );
  while (sessions.some((s) => s.state !== 'streaming')) await new Promise((r) => setTimeout(r, 50));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  global.gc?.();
  const after = process.memoryUsage();
  send({
    type: 'ready',
    endpointPorts: endpoints.map((e) => e.port),
    heapBeforeMb: mb(before.heapUsed),
    rssBeforeMb: mb(before.rss),
    heapMb: mb(after.heapUsed),
    rssMb: mb(after.rss),
  });
  onMessage(() => {
    const m = process.memoryUsage();
    const cpu = process.cpuUsage(cpu0);
    const total = { mediaDropped: 0, mediaSent: 0, playAudio: 0, playedStream: 0 };
    for (const s of sessions) {
      const st = s.stats();
      total.mediaDropped += st.mediaDropped;
      total.mediaSent += st.mediaSent;
      total.playAudio += st.playAudio;
      total.playedStream += st.playedStream;
    }
    send({
      type: 'stats',
      heapMb: mb(m.heapUsed),
      rssMb: mb(m.rss),
      ...total,
      clockSkipped: engine.stats().clock.skipped,
      cpuPct: Math.round(((cpu.user + cpu.system) / 1000 / (performance.now() - t0)) * 1000) / 10,
    });
  });
} catch (err) {
  fail(err);
}
