// A separate process that timestamps RTP arrivals, so the sender's event loop does not
// colour the measurement. Prints its port, then on stdin EOF prints per-stream gap stats.
// argv[2]: packets to leave out at the start of each stream (the sender's JIT warm-up).
// Arrival times go into preallocated arrays: no allocation, so no GC pause, while measuring.
import { createSocket } from 'node:dgram';

const skip = Number(process.argv[2] ?? 0);
const CAPACITY = 3000;
const streams = new Map();
const sock = createSocket('udp4');
sock.on('message', (msg) => {
  const t = performance.now();
  if (msg.length < 12) return;
  const ssrc = msg.readUInt32BE(8);
  let s = streams.get(ssrc);
  if (!s) {
    s = { times: new Float64Array(CAPACITY), n: 0 };
    streams.set(ssrc, s);
  }
  if (s.n < CAPACITY) s.times[s.n++] = t;
});
sock.bind(0, '127.0.0.1', () => {
  process.stdout.write(`${sock.address().port}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => {
  const deviations = [];
  let packets = 0;
  for (const { times, n } of streams.values()) {
    packets += n;
    for (let i = skip + 1; i < n; i++) deviations.push(Math.abs(times[i] - times[i - 1] - 20));
  }
  deviations.sort((a, b) => a - b);
  const q = (p) => deviations[Math.min(deviations.length - 1, Math.floor(deviations.length * p))] ?? 0;
  process.stdout.write(
    `${JSON.stringify({ streams: streams.size, packets, p50: q(0.5), p99: q(0.99), max: q(1) })}\n`,
  );
  sock.close();
});
