/**
 * The phones of bench:media-relay, in a process of their own: two per bridge, each with a
 * socket connected to its endpoint of the engine. Phone A sends 20 ms PCMU packets to
 * endpoint A and receives what endpoint A relays from B, and the other way round, 50
 * packets per second per direction.
 *
 * The 20 ms period is cut into slots; phone p sends in slot p % slots, so the engine sees
 * steady traffic rather than one burst per period. Each packet carries its index in the
 * signs of its first 16 samples: a sign survives G.711 transcoding (PCMU <-> PCMA), so the
 * receiving phone finds the send time of every relayed packet, transcoded or not.
 * Everything on the per-packet path is preallocated.
 */
import { createSocket, type Socket } from 'node:dgram';
import { PCMA, PCMU } from '../../src/media/codec/g711.ts';
import { childChannel } from './child-channel.ts';
import { CpuWindow } from './cpu-window.ts';
import { Histogram } from './histogram.ts';
import type { G711Name, GeneratorConfig, GeneratorIn, GeneratorOut } from './protocol.ts';

const PERIOD_MS = 20;
const HEADER = 12;
const PAYLOAD = 160;
const INDEX_BITS = 16;
/** Buffers per phone, used in turn: a buffer is rewritten 4 periods after it was handed to send(). */
const BUFFERS = 4;
/** Send times kept per phone, for the latency lookup (packets relayed later than this are unmatched). */
const RING = 64;
/** More than this many periods behind: skip ahead instead of bursting the backlog. */
const MAX_BEHIND_PERIODS = 3;
/** The drain ends after this long without a packet. */
const QUIET_MS = 1000;

const { config, send, onMessage, fail } = childChannel<GeneratorConfig, GeneratorIn, GeneratorOut>();
const phones = config.bridges * 2;
const slots = config.slots;
const slotMs = PERIOD_MS / slots;

/** Per codec: the code of a clearly positive and a clearly negative sample, and every code's sign. */
function signCodes(name: G711Name): { plus: number; minus: number; positive: Uint8Array } {
  const codec = name === 'PCMA' ? PCMA : PCMU;
  const bytes = new Uint8Array(2);
  codec.encode(Int16Array.of(8000, -8000), bytes);
  const decoded = new Int16Array(256);
  codec.decode(
    Uint8Array.from({ length: 256 }, (_, i) => i),
    decoded,
  );
  const positive = new Uint8Array(256);
  for (let i = 0; i < 256; i++) positive[i] = decoded[i] > 0 ? 1 : 0;
  return { plus: bytes[0], minus: bytes[1], positive };
}

const codecOf = (p: number): G711Name => (p & 1 ? config.codecB : config.codecA);
const signs = { PCMU: signCodes('PCMU'), PCMA: signCodes('PCMA') };

const packetBytes = HEADER + PAYLOAD;
const memory = Buffer.alloc(phones * BUFFERS * packetBytes);
const views: Buffer[] = [];
for (let p = 0; p < phones; p++) {
  const codec = codecOf(p) === 'PCMA' ? PCMA : PCMU;
  for (let b = 0; b < BUFFERS; b++) {
    const v = memory.subarray((p * BUFFERS + b) * packetBytes, (p * BUFFERS + b + 1) * packetBytes);
    v[0] = 0x80; // RFC 3550 5.1: version 2, no padding, extension or CSRC
    v[1] = codec.payloadType;
    v.writeUInt32BE(p + 1, 8);
    v.fill(codec.silence, HEADER);
    views.push(v);
  }
}
const nextIndex = new Int32Array(phones);
const sendTimes = new Float64Array(phones * RING);
const sentIndex = new Int32Array(phones * RING).fill(-1);
const groupSize = new Int32Array(slots);
for (let p = 0; p < phones; p++) groupSize[p % slots]++;

const sockets: Socket[] = [];
const latency = new Histogram();
const slotLate = new Histogram();
const cpu = new CpuWindow();
let inWindow = false;
let sent = 0;
let received = 0;
let windowSent = 0;
let windowReceived = 0;
let markers = 0;
let unmatched = 0;
let rtcp = 0;
let skippedSends = 0;

function sendPacket(p: number, now: number): void {
  const k = nextIndex[p]++;
  const buf = views[p * BUFFERS + (k & (BUFFERS - 1))];
  buf.writeUInt16BE(k & 0xffff, 2);
  buf.writeUInt32BE((k * PAYLOAD) >>> 0, 4);
  const s = signs[codecOf(p)];
  for (let bit = 0; bit < INDEX_BITS; bit++) buf[HEADER + bit] = (k >> bit) & 1 ? s.plus : s.minus;
  const slot = p * RING + (k & (RING - 1));
  sendTimes[slot] = now;
  sentIndex[slot] = k & 0xffff;
  sockets[p].send(buf);
  sent++;
  if (inWindow) windowSent++;
}

function onPacket(p: number, msg: Buffer): void {
  const now = performance.now();
  if (msg.length < 2) return;
  const b1 = msg[1];
  // RFC 5761 4: under rtcp-mux, 192-223 in the second octet is RTCP (the endpoint's reports).
  if (b1 >= 192 && b1 <= 223) {
    rtcp++;
    return;
  }
  received++;
  if (inWindow) windowReceived++;
  if (b1 & 0x80) markers++;
  if (msg.length < HEADER + INDEX_BITS || msg[0] !== 0x80) {
    unmatched++;
    return;
  }
  const positive = signs[codecOf(p)].positive;
  let k = 0;
  for (let bit = 0; bit < INDEX_BITS; bit++) k |= positive[msg[HEADER + bit]] << bit;
  // The packet came from the other phone of the bridge.
  const slot = (p ^ 1) * RING + (k & (RING - 1));
  if (sentIndex[slot] !== k) {
    unmatched++;
    return;
  }
  if (inWindow) latency.add(now - sendTimes[slot]);
}

function bind(p: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    sock.once('error', reject);
    sock.on('message', (msg) => onPacket(p, msg));
    sock.bind(0, '127.0.0.1', () => {
      sock.off('error', reject);
      resolve(sock);
    });
  });
}

function connect(sock: Socket, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.connect(port, '127.0.0.1', () => {
      sock.off('error', reject);
      resolve();
    });
  });
}

function run(): void {
  const t0 = performance.now() + PERIOD_MS;
  const windowAt = t0 + config.warmupMs;
  const endAt = windowAt + config.measureMs;
  let next = 0; // global slot number: period next / slots, group next % slots
  const pump = () => {
    const now = performance.now();
    if (!inWindow && now >= windowAt && now < endAt) {
      inWindow = true;
      cpu.start();
      send({ type: 'window', phase: 'start' });
    }
    if (now >= endAt) {
      inWindow = false;
      cpu.stop();
      send({ type: 'window', phase: 'end' });
      drain(now, now, received);
      return;
    }
    const due = Math.floor((now - t0) / slotMs);
    if (due - next > MAX_BEHIND_PERIODS * slots) {
      for (let s = next; s < due; s++) skippedSends += groupSize[s % slots];
      next = due;
    }
    while (t0 + next * slotMs <= now) {
      if (inWindow) slotLate.add(now - (t0 + next * slotMs));
      for (let p = next % slots; p < phones; p += slots) sendPacket(p, now);
      next++;
    }
    setTimeout(pump, Math.max(0, Math.floor(t0 + next * slotMs - performance.now())));
  };
  setTimeout(pump, Math.max(0, Math.floor(t0 - performance.now())));
}

/**
 * After the last send: keep receiving until nothing came for QUIET_MS (what the engine had
 * queued is out) or drainMs passed, so that packets still in flight do not count as lost.
 */
function drain(startedAt: number, lastPacketAt: number, before: number): void {
  const now = performance.now();
  const at = received === before ? lastPacketAt : now;
  if (now - at >= QUIET_MS || now - startedAt >= config.drainMs) {
    report();
    return;
  }
  setTimeout(() => drain(startedAt, at, received), 50);
}

function report(): void {
  send({
    type: 'report',
    report: {
      sent,
      received,
      skippedSends,
      window: {
        seconds: cpu.figures.wallMs / 1000,
        sent: windowSent,
        received: windowReceived,
        slotLate: slotLate.summary(),
        latency: latency.summary(),
      },
      markers,
      unmatched,
      rtcpPackets: rtcp,
      cpu: cpu.figures,
    },
  });
}

try {
  for (let p = 0; p < phones; p++) sockets.push(await bind(p));
  onMessage((msg) => {
    if (msg.type === 'count') send({ type: 'count', received });
    if (msg.type !== 'start') return;
    Promise.all(sockets.map((s, p) => connect(s, msg.endpointPorts[p])))
      .then(run)
      .catch(fail);
  });
  send({ type: 'ready', ports: sockets.map((s) => s.address().port) });
} catch (err) {
  fail(err);
}
