import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { PCMA, PCMU } from '../../src/media/codec/g711.ts';
import type { LocalEndpoint } from '../../src/media/local/local-endpoint.ts';
import { LocalMediaEngine } from '../../src/media/local/local-engine.ts';
import type { Dialog } from '../../src/sip/dialog/dialog.ts';
import { LocalSdpSession } from '../../src/sip/sdp/local-sdp-session.ts';
import type { NegotiatedMedia } from '../../src/sip/sdp/negotiated-media.ts';
import type { UserAgent } from '../../src/sip/ua/user-agent.ts';
import { parseRtp, readPcapFile } from './pcap.ts';

/** An even RTP range of `size` ports at a random high base, so suites can run side by side. */
export function randomRtpRange(size = 40): { low: number; high: number } {
  const low = 30000 + 2 * Math.floor(Math.random() * 10000);
  return { low, high: low + size - 1 };
}

export function testEngine(size = 40): LocalMediaEngine {
  return new LocalMediaEngine({ ports: randomRtpRange(size), address: '127.0.0.1' });
}

/** Fails unless every port of the range can be bound again: nothing of ours leaked. */
export async function assertRangeFree(range: { low: number; high: number }): Promise<void> {
  const busy: number[] = [];
  for (let port = range.low; port <= range.high; port++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (!ok) busy.push(port);
  }
  assert.deepEqual(busy, [], `RTP ports still bound after the test: ${busy.join(', ')}`);
}

/** Calls `uri` with an offer from a new endpoint and applies the answer to it. */
export async function callWithMedia(
  ua: UserAgent,
  engine: LocalMediaEngine,
  uri: string,
): Promise<{ dialog: Dialog; endpoint: LocalEndpoint; media: NegotiatedMedia }> {
  const endpoint = await engine.createEndpoint();
  const sdp = new LocalSdpSession({ address: '127.0.0.1' });
  const { sdp: offer } = sdp.createOffer(endpoint.capabilities());
  const dialog = await ua.createUAC({ uri, body: offer }).established;
  const media = sdp.processAnswer(dialog.remoteSdp ?? '');
  endpoint.configure(media);
  return { dialog, endpoint, media };
}

/** Answers every INVITE with a new endpoint; `onCall` gets each answered call. */
export function answerWithMedia(
  ua: UserAgent,
  engine: LocalMediaEngine,
  onCall: (call: { dialog: Dialog; endpoint: LocalEndpoint; media: NegotiatedMedia }) => void,
): void {
  ua.onInvite(async (req, uas) => {
    const endpoint = await engine.createEndpoint();
    const sdp = new LocalSdpSession({ address: '127.0.0.1' });
    const { sdp: answer, media } = sdp.createAnswer(req.body, endpoint.capabilities());
    endpoint.configure(media);
    const dialog = await uas.accept({ body: answer });
    onCall({ dialog, endpoint, media });
  });
}

/** Normalised cross-correlation of `probe` against `signal`, best over lags 0..maxLag. */
export function bestCorrelation(
  signal: Int16Array,
  probe: Int16Array,
  maxLag: number,
): { lag: number; r: number } {
  let best = { lag: 0, r: -1 };
  let pp = 0;
  for (let i = 0; i < probe.length; i++) pp += (probe[i] as number) ** 2;
  for (let lag = 0; lag <= maxLag && lag + probe.length <= signal.length; lag++) {
    let sp = 0;
    let ss = 0;
    for (let i = 0; i < probe.length; i++) {
      const s = signal[lag + i] as number;
      sp += s * (probe[i] as number);
      ss += s * s;
    }
    const r = ss === 0 || pp === 0 ? 0 : sp / Math.sqrt(ss * pp);
    if (r > best.r) best = { lag, r };
  }
  return best;
}

/** A 300 -> 3000 Hz sweep at -12 dBov: every lag gives a different picture, so correlation finds the right one. */
export function sweep(ms: number): Int16Array {
  const n = ms * 8;
  const out = new Int16Array(n);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const f = 300 + (2700 * i) / n;
    phase += (2 * Math.PI * f) / 8000;
    out[i] = Math.round(8000 * Math.sin(phase));
  }
  return out;
}

/** The audio of a G.711 RTP capture, decoded in sequence order (what the peer should hear). */
export function pcapAudio(path: string): Int16Array {
  const packets = readPcapFile(path)
    .map((u) => parseRtp(u.payload))
    .filter((p): p is NonNullable<typeof p> => p !== null && (p.payloadType === 0 || p.payloadType === 8));
  const total = packets.reduce((n, p) => n + p.payload.length, 0);
  const out = new Int16Array(total);
  let at = 0;
  for (const p of packets) {
    (p.payloadType === 0 ? PCMU : PCMA).decode(p.payload, out.subarray(at, at + p.payload.length));
    at += p.payload.length;
  }
  return out;
}
