import type { LocalEndpoint } from '../../src/media/local/local-endpoint.ts';
import { LocalMediaEngine } from '../../src/media/local/local-engine.ts';
import type { G711Codec, NegotiatedMedia } from '../../src/sip/sdp/negotiated-media.ts';
import { tuneRuntime } from '../../src/util/runtime-tuning.ts';
import { CpuWindow } from './cpu-window.ts';
import type { CpuFigures, PortRange } from './protocol.ts';

/** Endpoints bound at once: the port pool handles concurrent allocations, this bounds the burst. */
const BIND_BATCH = 200;

export function benchEngine(ports: PortRange): LocalMediaEngine {
  // What startPatchbay does for the server process.
  tuneRuntime();
  return new LocalMediaEngine({ ports, address: '127.0.0.1' });
}

/**
 * Creates `count` endpoints without idle silence, in batches. In-band DTMF detection is off
 * unless `inbandDtmf` (then left at the engine's default, which decodes every received packet).
 */
export async function createEndpoints(
  engine: LocalMediaEngine,
  count: number,
  inbandDtmf = false,
): Promise<LocalEndpoint[]> {
  const options = inbandDtmf ? { idleSilence: false } : { idleSilence: false, inbandDtmf: false };
  const out: LocalEndpoint[] = [];
  while (out.length < count) {
    const batch = Math.min(BIND_BATCH, count - out.length);
    const made = await Promise.all(Array.from({ length: batch }, () => engine.createEndpoint(options)));
    out.push(...made);
  }
  return out;
}

/**
 * What offer/answer would give an endpoint whose peer listens on 127.0.0.1:`port`, with
 * rtcp-mux (RFC 5761) so that its RTCP reports go to the same socket as its RTP.
 */
export function mediaTowards(port: number, codec: G711Codec): NegotiatedMedia {
  return {
    remote: { address: '127.0.0.1', port, rtcpPort: port, rtcpAddress: '127.0.0.1', rtcpMux: true },
    payloadType: codec === 'PCMA' ? 8 : 0,
    codec,
    clockRate: 8000,
    ptime: 20,
    direction: 'sendrecv',
    hold: false,
    mediaIndex: 0,
  };
}

export function heapUsedMb(): number {
  return Math.round(process.memoryUsage().heapUsed / 1e5) / 10;
}

/**
 * The engine's CPU with every endpoint in place and no media flowing (each endpoint still
 * ticks every 20 ms, and the clock spins before each tick): the fixed cost the per-packet
 * figures carry. Waits `settleMs` first so that the setup's sockets and garbage settle.
 */
export async function measureIdle(settleMs: number, idleMs: number): Promise<CpuFigures> {
  await new Promise((r) => setTimeout(r, settleMs));
  const cpu = new CpuWindow();
  cpu.start();
  await new Promise((r) => setTimeout(r, idleMs));
  return cpu.stop();
}
