import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { PCMA, PCMU } from '../../src/media/codec/g711.ts';
import type { LocalEndpoint } from '../../src/media/local/local-endpoint.ts';
import { LocalMediaEngine } from '../../src/media/local/local-engine.ts';
import type { Dialog } from '../../src/sip/dialog/dialog.ts';
import { LocalSdpSession } from '../../src/sip/sdp/local-sdp-session.ts';
import type { NegotiatedMedia } from '../../src/sip/sdp/negotiated-media.ts';
import type { UserAgent } from '../../src/sip/ua/user-agent.ts';
import { parseRtp, readPcapFile } from './pcap.ts';

/** An even RTP range of `size` ports at a random base below the ephemeral ports (32768+), so suites can run side by side. */
/** Ranges handed out in this process: two engines of one test file never share ports. */
const taken: Array<{ low: number; high: number }> = [];

export function randomRtpRange(size = 40): { low: number; high: number } {
  for (let tries = 0; ; tries++) {
    const low = 20000 + 2 * Math.floor((Math.random() * (12000 - size)) / 2);
    const range = { low, high: low + size - 1 };
    if (tries < 100 && taken.some((r) => range.low <= r.high && r.low <= range.high)) continue;
    taken.push(range);
    return range;
  }
}

export function testEngine(size = 40): LocalMediaEngine {
  return new LocalMediaEngine({ ports: randomRtpRange(size), address: '127.0.0.1' });
}

/**
 * Fails if a socket of this process is still bound to a port of the range: nothing of ours
 * leaked. Reads /proc (our descriptors' socket inodes against /proc/net/udp), so sockets of
 * other test files running beside this one do not count.
 */
export async function assertRangeFree(range: { low: number; high: number }): Promise<void> {
  const ours = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) ours.add(m[1] as string);
    } catch {
      // closed meanwhile
    }
  }
  const busy: number[] = [];
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const port = Number.parseInt((cols[1] ?? '').split(':')[1] ?? '', 16);
      if (port >= range.low && port <= range.high && ours.has(cols[9] ?? '')) busy.push(port);
    }
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

/**
 * A UDP socket on 127.0.0.1 at a port in 52000-59999, above the ranges `randomRtpRange`
 * hands out (from 30000, up to about 50500 for the largest), so that a test's own socket
 * never sits in the range of an engine whose test checks that its range is free (test
 * files run side by side). Port 0 would let the OS pick one anywhere in 32768-60999.
 */
export async function bindTestSocket(): Promise<ReturnType<typeof createSocket>> {
  for (let attempt = 0; ; attempt++) {
    const socket = createSocket('udp4');
    const port = 52000 + Math.floor(Math.random() * 8000);
    const bound = await new Promise<boolean>((resolve) => {
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => resolve(true));
    });
    if (bound) return socket;
    try {
      socket.close();
    } catch {
      // never bound: nothing to close
    }
    if (attempt === 50) throw new Error('no free UDP port for a test socket');
  }
}

/** Where a unit test's engine sends to: a raw peer on loopback, everything (RTCP too) on one port. */
export function mediaTo(
  port: number,
  opts: {
    codec?: 'PCMU' | 'PCMA';
    payloadType?: number;
    telephoneEventPt?: number;
    direction?: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  } = {},
): NegotiatedMedia {
  const codec = opts.codec ?? 'PCMU';
  return {
    remote: { address: '127.0.0.1', port, rtcpPort: port, rtcpAddress: '127.0.0.1', rtcpMux: true },
    payloadType: opts.payloadType ?? (codec === 'PCMU' ? 0 : 8),
    codec,
    clockRate: 8000,
    ...(opts.telephoneEventPt !== undefined ? { telephoneEventPt: opts.telephoneEventPt } : {}),
    ptime: 20,
    direction: opts.direction ?? 'sendrecv',
    hold: false,
    mediaIndex: 0,
  };
}

/** An RTP packet a raw peer received, with when (performance.now()). */
export interface ReceivedRtp {
  marker: boolean;
  payloadType: number;
  seq: number;
  timestamp: number;
  ssrc: number;
  payload: Buffer;
  at: number;
}

/**
 * A hand-driven RTP peer for unit tests: a UDP socket on 127.0.0.1 (see bindTestSocket) that
 * keeps what it receives (RTP and RTCP apart, RFC 5761 4) and sends packets built here, with
 * its own SSRC, sequence and timestamp that advance as it sends.
 */
export class RtpPeer {
  readonly rtp: ReceivedRtp[] = [];
  readonly rtcp: Buffer[] = [];
  /** What this peer sent, in order. */
  readonly sent: Array<{ payloadType: number; payload: Buffer; seq: number; timestamp: number }> = [];
  ssrc = (Math.random() * 0x100000000) >>> 0;
  seq = Math.floor(Math.random() * 0x10000);
  ts = (Math.random() * 0x100000000) >>> 0;
  /** The endpoint port packets go to. */
  target = 0;
  private closing: Promise<void> | undefined;

  private constructor(private readonly socket: ReturnType<typeof createSocket>) {
    socket.on('message', (msg) => {
      const b1 = msg[1] ?? 0;
      if (msg.length >= 8 && b1 >= 192 && b1 <= 223) {
        this.rtcp.push(Buffer.from(msg));
        return;
      }
      const p = parseRtp(Buffer.from(msg));
      if (p) this.rtp.push({ ...p, at: performance.now() });
    });
  }

  static async open(): Promise<RtpPeer> {
    return new RtpPeer(await bindTestSocket());
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** One packet to the target with the peer's SSRC and next sequence number (unless given). */
  send(
    payloadType: number,
    payload: Uint8Array,
    opts: { marker?: boolean; timestamp?: number; seq?: number; ssrc?: number } = {},
  ): void {
    const seq = opts.seq ?? this.seq;
    if (opts.seq === undefined) this.seq = (this.seq + 1) & 0xffff;
    const packet = Buffer.alloc(12 + payload.length);
    packet[0] = 0x80;
    packet[1] = (opts.marker ? 0x80 : 0) | payloadType;
    packet.writeUInt16BE(seq & 0xffff, 2);
    packet.writeUInt32BE((opts.timestamp ?? this.ts) >>> 0, 4);
    packet.writeUInt32BE((opts.ssrc ?? this.ssrc) >>> 0, 8);
    packet.set(payload, 12);
    this.sent.push({ payloadType, payload: packet.subarray(12), seq, timestamp: packet.readUInt32BE(4) });
    this.socket.send(packet, this.target, '127.0.0.1');
  }

  /** Any datagram, as it is, to `port` (the target by default). */
  sendRaw(data: Uint8Array, port = this.target): void {
    this.socket.send(data, port, '127.0.0.1');
  }

  /** One 20 ms frame of audio, encoded with `codec`; the timestamp then moves on by 160. */
  sendFrame(pcm: Int16Array, codec: 'PCMU' | 'PCMA' = 'PCMU', marker = false): void {
    const c = codec === 'PCMU' ? PCMU : PCMA;
    const payload = new Uint8Array(pcm.length);
    c.encode(pcm, payload);
    this.send(c.payloadType, payload, { marker });
    this.ts = (this.ts + pcm.length) >>> 0;
  }

  /**
   * Sends `pcm` frame by frame at 20 ms intervals (kept on schedule, not drifting), the
   * first frame with the marker unless `marker` is false.
   */
  async stream(
    pcm: Int16Array,
    opts: { codec?: 'PCMU' | 'PCMA'; marker?: boolean; signal?: AbortSignal } = {},
  ): Promise<void> {
    const start = performance.now();
    for (let i = 0; i * 160 < pcm.length; i++) {
      if (opts.signal?.aborted) return;
      const wait = start + i * 20 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const frame = new Int16Array(160);
      frame.set(pcm.subarray(i * 160, i * 160 + 160));
      this.sendFrame(frame, opts.codec ?? 'PCMU', i === 0 && opts.marker !== false);
    }
  }

  /**
   * A key press as RFC 4733 packets at 20 ms: updates every 160 units, the final duration
   * three times with the E bit, all with the timestamp of the event's start (2.5.1).
   */
  async sendEvent(payloadType: number, event: number, durationMs = 100): Promise<void> {
    const total = durationMs * 8;
    const start = this.ts;
    let first = true;
    for (let d = 160; ; d += 160) {
      const duration = Math.min(d, total);
      const end = duration === total;
      const repeats = end ? 3 : 1;
      for (let k = 0; k < repeats; k++) {
        const payload = Uint8Array.of(event, (end ? 0x80 : 0) | 10, duration >> 8, duration & 0xff);
        this.send(payloadType, payload, { marker: first, timestamp: start });
        first = false;
        await new Promise((r) => setTimeout(r, 20));
      }
      if (end) break;
    }
    this.ts = (start + total) >>> 0;
  }

  /** Waits until `cond` holds (polling every 5 ms), or fails after `ms`. */
  async until(cond: () => boolean, ms: number, what: string): Promise<void> {
    const end = performance.now() + ms;
    while (!cond()) {
      if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** The audio of received packets (PCMU/PCMA only), decoded and joined in arrival order. */
  audio(packets: readonly ReceivedRtp[] = this.rtp): Int16Array {
    const audio = packets.filter((p) => p.payloadType === 0 || p.payloadType === 8);
    const out = new Int16Array(audio.reduce((n, p) => n + p.payload.length, 0));
    let at = 0;
    for (const p of audio) {
      (p.payloadType === 0 ? PCMU : PCMA).decode(p.payload, out.subarray(at, at + p.payload.length));
      at += p.payload.length;
    }
    return out;
  }

  /** Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => this.socket.close(() => resolve()));
    return this.closing;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
