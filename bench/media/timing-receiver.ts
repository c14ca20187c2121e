/**
 * The receiving end of bench:media-playback, in a process of its own so that receiving does
 * not disturb the engine that sends. It binds a few sockets, writes each RTP packet's arrival
 * time into a preallocated slot of its stream (found by SSRC), and computes nothing until
 * the runner asks for the report: no allocation of its own per packet, so little for the GC.
 *
 * Timing counts gaps between consecutive packets of a stream that both arrived inside the
 * window the runner marks (warm-up excluded); loss counts every packet of the run.
 */
import { createSocket, type Socket } from 'node:dgram';
import { childChannel } from './child-channel.ts';
import { CpuWindow } from './cpu-window.ts';
import { Histogram } from './histogram.ts';
import type { ReceiverConfig, ReceiverIn, ReceiverOut } from './protocol.ts';

const PERIOD_MS = 20;

const { config, send, onMessage, fail } = childChannel<ReceiverConfig, ReceiverIn, ReceiverOut>();
const capacity = config.capacity;
const arrivals = new Float64Array(config.streams * capacity);
const counts = new Int32Array(config.streams);
const streamOf = new Map<number, number>();
let stray = 0;
let rtcp = 0;
let windowStart = Number.POSITIVE_INFINITY;
let windowEnd = Number.POSITIVE_INFINITY;
const cpu = new CpuWindow();

function onPacket(msg: Buffer): void {
  const t = performance.now();
  if (msg.length < 12) return;
  // RFC 5761 4: under rtcp-mux the second octet of RTCP is 192-223 (the engine's reports).
  const b1 = msg[1];
  if (b1 >= 192 && b1 <= 223) {
    rtcp++;
    return;
  }
  const ssrc = msg.readUInt32BE(8);
  let s = streamOf.get(ssrc);
  if (s === undefined) {
    if (streamOf.size >= config.streams) {
      stray++;
      return;
    }
    s = streamOf.size;
    streamOf.set(ssrc, s);
  }
  const n = counts[s];
  if (n < capacity) arrivals[s * capacity + n] = t;
  counts[s] = n + 1;
}

function bind(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    sock.once('error', reject);
    sock.on('message', onPacket);
    sock.bind(0, '127.0.0.1', () => {
      sock.off('error', reject);
      sock.setRecvBufferSize(config.bufferBytes);
      resolve(sock);
    });
  });
}

function report(): void {
  const deviation = new Histogram();
  let packets = 0;
  let minPer = Number.POSITIVE_INFINITY;
  let maxPer = 0;
  for (let s = 0; s < streamOf.size; s++) {
    const n = counts[s];
    packets += n;
    if (n < minPer) minPer = n;
    if (n > maxPer) maxPer = n;
    const base = s * capacity;
    const stored = Math.min(n, capacity);
    for (let i = 1; i < stored; i++) {
      const prev = arrivals[base + i - 1];
      const t = arrivals[base + i];
      if (prev >= windowStart && t <= windowEnd) deviation.add(Math.abs(t - prev - PERIOD_MS));
    }
  }
  send({
    type: 'report',
    report: {
      streams: streamOf.size,
      packets,
      strayPackets: stray,
      rtcpPackets: rtcp,
      minPerStream: streamOf.size === 0 ? 0 : minPer,
      maxPerStream: maxPer,
      deviation: deviation.summary(),
      cpu: cpu.figures,
    },
  });
}

try {
  const sockets: Socket[] = [];
  for (let i = 0; i < config.sockets; i++) sockets.push(await bind());
  onMessage((msg) => {
    if (msg.type === 'mark' && msg.phase === 'start') {
      windowStart = performance.now();
      cpu.start();
    } else if (msg.type === 'mark' && msg.phase === 'end') {
      windowEnd = performance.now();
      cpu.stop();
    } else if (msg.type === 'report') {
      report();
    }
  });
  send({ type: 'ready', ports: sockets.map((s) => s.address().port) });
} catch (err) {
  fail(err);
}
