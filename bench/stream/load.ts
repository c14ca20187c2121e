/**
 * bench:stream's load: N phones (UDP sockets sending a 20 ms PCMU packet every period,
 * spread over the period, and timing the RTP the engine plays back to them) and the agent
 * (a WebSocket server that times every `media` frame and sends it straight back as
 * `playAudio`, with a checkpoint every second): every stream is bidirectional and busy.
 */
import { createSocket, type Socket } from 'node:dgram';
import { WebSocketServer } from 'ws';
import { childChannel } from '../media/child-channel.ts';
import { Histogram } from '../media/histogram.ts';
import type { LoadConfig, LoadIn, LoadOut } from './protocol.ts';

const { config, send, onMessage, fail } = childChannel<LoadConfig, LoadIn, LoadOut>();
const PERIOD = 20;
const SLOTS = 10;

const mediaGap = new Histogram();
const rtpGap = new Histogram();
const sendJitter = new Histogram();
let measuring = false;
let mediaFrames = 0;
let rtpPackets = 0;
let played = 0;

try {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const streamsSeen = new Set<string>();
  wss.on('connection', (ws, req) => {
    let last = 0;
    let streamId = '';
    let frames = 0;
    streamsSeen.add(req.url ?? '');
    ws.on('message', (data) => {
      const at = performance.now();
      const msg = JSON.parse(data.toString()) as {
        event: string;
        start?: { streamId: string };
        media?: { payload: string };
      };
      if (msg.event === 'start') {
        streamId = msg.start?.streamId ?? '';
        // 200 ms ahead, as an agent's TTS runs ahead of playout: the echo's round trip may
        // vary without the caller's audio running dry (that would be the agent's gap, not ours).
        const lead = Buffer.alloc(320 * 10).toString('base64');
        ws.send(
          JSON.stringify({
            event: 'playAudio',
            streamId,
            media: { contentType: 'audio/x-l16', sampleRate: 8000, payload: lead },
          }),
        );
      } else if (msg.event === 'playedStream') played++;
      else if (msg.event === 'media' && msg.media) {
        if (measuring && last > 0) {
          mediaGap.add(Math.abs(at - last - PERIOD));
          mediaFrames++;
        }
        last = at;
        // Echo: the caller's frame comes back as the agent's audio (L16 8 kHz: swap to little-endian).
        const pcm = Buffer.from(msg.media.payload, 'base64').swap16();
        ws.send(
          JSON.stringify({
            event: 'playAudio',
            streamId,
            media: { contentType: 'audio/x-l16', sampleRate: 8000, payload: pcm.toString('base64') },
          }),
        );
        if (++frames % 50 === 0)
          ws.send(JSON.stringify({ event: 'checkpoint', streamId, name: `c${frames}` }));
      }
    });
    ws.on('error', () => undefined);
  });
  const address = wss.address();
  const agentUrl = `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const phones: Socket[] = [];
  for (let i = 0; i < config.streams; i++) {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    let last = 0;
    s.on('message', () => {
      const at = performance.now();
      if (measuring && last > 0) {
        rtpGap.add(Math.abs(at - last - PERIOD));
        rtpPackets++;
      }
      last = at;
    });
    phones.push(s);
  }
  send({ type: 'ready', agentUrl, phonePorts: phones.map((p) => p.address().port) });

  onMessage((cmd) => {
    const packet = Buffer.alloc(12 + 160);
    packet[0] = 0x80;
    packet[1] = 0; // PCMU
    // A quiet tone, so the echo is real audio.
    for (let i = 0; i < 160; i++) packet[12 + i] = i % 16 < 8 ? 0xa0 : 0x20;
    const t0 = performance.now() + 100;
    const seq = new Uint16Array(phones.length);
    let k = 0; // slot counter
    const step = () => {
      const now = performance.now();
      while (t0 + k * (PERIOD / SLOTS) <= now) {
        const due = t0 + k * (PERIOD / SLOTS);
        const slot = k % SLOTS;
        const period = Math.floor(k / SLOTS);
        if (measuring) sendJitter.add(now - due);
        for (let i = slot; i < phones.length; i += SLOTS) {
          seq[i] = ((seq[i] as number) + 1) & 0xffff;
          packet.writeUInt16BE(seq[i] as number, 2);
          packet.writeUInt32BE((period * 160) >>> 0, 4);
          packet.writeUInt32BE(0x1000 + i, 8);
          phones[i]?.send(packet, cmd.endpointPorts[i] as number, '127.0.0.1');
        }
        k++;
      }
      setTimeout(step, Math.max(0, t0 + k * (PERIOD / SLOTS) - performance.now() - 0.5));
    };
    step();
    setTimeout(() => {
      measuring = true;
    }, cmd.warmupSeconds * 1000);
    setTimeout(
      () => {
        measuring = false;
        send({
          type: 'result',
          media: mediaGap.summary(),
          rtp: rtpGap.summary(),
          sendJitter: sendJitter.summary(),
          mediaFrames,
          rtpPackets,
          played,
          streamsSeen: streamsSeen.size,
        });
      },
      (cmd.warmupSeconds + cmd.seconds) * 1000,
    );
  });
} catch (err) {
  fail(err);
}
