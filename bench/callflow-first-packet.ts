/**
 * bench:callflow - fetch-to-first-packet: the time from the moment the customer's webhook
 * server finishes writing the answer document to the moment the caller receives the first
 * RTP packet of its first prompt. Per call: an INVITE from a UA in this process (its SDP
 * points at a plain UDP socket that timestamps arrivals), Patchbay fetches the answer URL
 * (a local HTTP server that timestamps the end of its response), parses it, answers, and
 * plays. Prompts are `<Speak>` with the TTS cache warm (the first call, which fills it, is
 * not counted) and `<Play>` of a WAV already in the media cache. Same process, same clock.
 * Usage: npm run bench:callflow -- [--calls N] [--concurrency C]. Writes bench/results/callflow.json.
 */
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { startPatchbay } from '../src/main.ts';
import { wavHeader } from '../src/media/audio/wav.ts';
import { SipError } from '../src/sip/errors.ts';
import { createOffer } from '../src/sip/sdp/create-offer.ts';
import { serializeSdp } from '../src/sip/sdp/serialize-sdp.ts';
import { UserAgent } from '../src/sip/ua/user-agent.ts';
import { silentLogger } from '../src/util/log.ts';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const CALLS = arg('calls', 200);
const CONCURRENCY = arg('concurrency', 10);
const OUT = 'bench/results/callflow.json';
const loopback = (a: string) => a === '127.0.0.1';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'patchbay-bench-callflow-'));
  // The webhook server: the document of the current run, the response's end time per call.
  let document = '';
  const respondedAt = new Map<string, number>();
  const tone = Buffer.alloc(8000 * 2, 0);
  for (let i = 0; i < 8000; i++)
    tone.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)), i * 2);
  const wav = Buffer.concat([
    wavHeader({ sampleRate: 8000, channels: 1, bitsPerSample: 16, dataBytes: tone.length }),
    tone,
  ]);
  const hooks = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      if (req.url === '/tone.wav') {
        res.writeHead(200, { 'content-type': 'audio/wav', 'cache-control': 'max-age=3600' }).end(wav);
        return;
      }
      if (req.url !== '/answer') {
        res.writeHead(200).end();
        return;
      }
      const from = new URLSearchParams(body).get('From') ?? '';
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(document, () => respondedAt.set(from, performance.now()));
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}`;
  const config = loadConfig({
    env: {
      PATCHBAY_SIP_LISTEN: 'udp:127.0.0.1:0',
      PATCHBAY_PUBLIC_HOST: '127.0.0.1',
      PATCHBAY_HTTP_LISTEN: '127.0.0.1:0',
      PATCHBAY_RTP_PORTS: '24000-25999',
      PATCHBAY_DATA_DIR: dataDir,
      PATCHBAY_AUTH_ID: 'MABENCH',
      PATCHBAY_AUTH_TOKEN: 'bench',
      PATCHBAY_ANSWER_URL: `${origin}/answer`,
      PATCHBAY_HANGUP_URL: `${origin}/hangup`,
    },
  });
  const pb = await startPatchbay(config, silentLogger, { egress: loopback });
  const ua = await UserAgent.start({ listen: ['udp:127.0.0.1:0'], egress: loopback });
  const target = `127.0.0.1:${pb.ua.listening[0].port}`;

  async function oneCall(n: number): Promise<number | undefined> {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    const port = sock.address().port;
    let firstAudio: number | undefined;
    const heard = new Promise<void>((resolve) => {
      sock.on('message', (m) => {
        // The first packet whose payload is not PCMU silence (0xFF/0x7F): the prompt started.
        if (firstAudio !== undefined || m.length <= 12) return;
        for (let i = 12; i < m.length; i++) {
          if (m[i] !== 0xff && m[i] !== 0x7f) {
            firstAudio = performance.now();
            resolve();
            return;
          }
        }
      });
    });
    const offer = createOffer({ address: '127.0.0.1', port, codecs: ['PCMU'], telephoneEvent: true });
    const from = `sip:${1000 + n}@127.0.0.1`;
    try {
      const uac = ua.createUAC({ uri: `sip:bench@${target}`, from, body: serializeSdp(offer) });
      const dialog = await uac.established;
      await Promise.race([heard, new Promise((r) => setTimeout(r, 5000))]);
      await dialog.destroy();
    } catch (err) {
      if (!(err instanceof SipError)) throw err;
    } finally {
      sock.close();
    }
    const responded = respondedAt.get(String(1000 + n));
    return firstAudio !== undefined && responded !== undefined ? firstAudio - responded : undefined;
  }

  const results: Record<string, unknown> = {};
  for (const [name, doc] of [
    ['speak', '<Response><Speak>Welcome to the benchmark.</Speak></Response>'],
    ['play', `<Response><Play>${origin}/tone.wav</Play></Response>`],
  ] as const) {
    document = doc;
    await oneCall(0); // fills the TTS / media cache
    const times: number[] = [];
    let next = 1;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next <= CALLS) {
          const t = await oneCall(next++);
          if (t !== undefined) times.push(t);
        }
      }),
    );
    times.sort((a, b) => a - b);
    const summary = {
      calls: CALLS,
      measured: times.length,
      concurrency: CONCURRENCY,
      p50Ms: +percentile(times, 50).toFixed(2),
      p90Ms: +percentile(times, 90).toFixed(2),
      p99Ms: +percentile(times, 99).toFixed(2),
      maxMs: +times[times.length - 1].toFixed(2),
    };
    results[name] = summary;
    console.log(`[callflow] ${name}: ${JSON.stringify(summary)}`);
  }
  await ua.close();
  await pb.close();
  hooks.close();
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(
    OUT,
    `${JSON.stringify({ at: new Date().toISOString(), node: process.version, results }, null, 2)}\n`,
  );
  console.log(`[callflow] results written to ${OUT}`);
}

await main();
