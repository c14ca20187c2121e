/**
 * The customer's application of bench:dial-cps, in its own Node process (so that its CPU
 * and its time are apart from Patchbay's): a bare node:http server on 127.0.0.1 that
 * answers every answer-URL request with
 *   <Response><Dial><User>CALLEE</User></Dial></Response>
 * and every hangup-URL request with an empty 200.
 *   node --import tsx bench/dial/webhook-app.ts --callee sip:b@127.0.0.1:5090
 * stdout: JSON lines, first {"type":"ready","port":N}. stdin commands:
 *   record FILE   from now on, one line per answer request to FILE:
 *                 `answer KEY IN OUT` (KEY: the caller's c<number>, IN: request headers
 *                 parsed, OUT: response handed to the kernel; epoch seconds, microseconds)
 *   stop          closes FILE (flushed), prints {"type":"stopped","lines":N}
 *   counts        prints {"type":"counts","live":{...},"totals":{...}}
 * The end of stdin closes the server and exits. `--check` loads and exits 0.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    callee: { type: 'string' },
    port: { type: 'string', default: '0' },
    check: { type: 'boolean', default: false },
  },
});
if (values.check) process.exit(0);
if (!values.callee || !/^sip:[^\s<>&"]+$/.test(values.callee)) {
  console.error('webhook-app: --callee sip:USER@127.0.0.1:PORT is required');
  process.exit(2);
}
const DOCUMENT = Buffer.from(
  `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Dial><User>${values.callee}</User></Dial></Response>`,
);
const XML_HEADERS = { 'Content-Type': 'application/xml', 'Content-Length': String(DOCUMENT.length) };

/** Epoch seconds with microseconds, from the monotonic clock (both ends of a span on one clock). */
function epochSeconds(): string {
  return ((performance.timeOrigin + performance.now()) / 1000).toFixed(6);
}

const totals = { answers: 0, hangups: 0, other: 0 };
let inflight = 0;
let timing: { stream: WriteStream; lines: number } | null = null;

function onAnswer(req: IncomingMessage, res: ServerResponse, body: string, inAt: string): void {
  totals.answers++;
  // From is the caller's URI, e.g. sip:c42@127.0.0.1 (bench/dial/uac-dial.xml).
  const from = new URLSearchParams(body || req.url?.split('?')[1] || '').get('From') ?? '';
  const key = /(?:^|:)c(\d+)@/.exec(from)?.[1] ?? '-';
  const sink = timing;
  res.on('finish', () => {
    if (sink && sink === timing) {
      sink.stream.write(`answer ${key} ${inAt} ${epochSeconds()}\n`);
      sink.lines++;
    }
  });
  res.writeHead(200, XML_HEADERS);
  res.end(DOCUMENT);
}

const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
  const inAt = epochSeconds();
  inflight++;
  res.on('close', () => inflight--);
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const path = req.url?.split('?')[0];
    if (path === '/answer') onAnswer(req, res, Buffer.concat(chunks).toString('latin1'), inAt);
    else {
      if (path === '/hangup') totals.hangups++;
      else totals.other++;
      res.writeHead(path === '/hangup' ? 200 : 404, { 'Content-Length': '0' });
      res.end();
    }
  });
});

function stopRecording(): Promise<number> {
  const current = timing;
  timing = null;
  if (!current) return Promise.resolve(0);
  return new Promise((resolve) => current.stream.end(() => resolve(current.lines)));
}

function reply(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  const [cmd, arg] = line.trim().split(/\s+/, 2);
  if (cmd === 'record' && arg) {
    void stopRecording().then(() => {
      timing = { stream: createWriteStream(arg), lines: 0 };
      reply({ type: 'recording', path: arg });
    });
  } else if (cmd === 'stop') {
    void stopRecording().then((lines) => reply({ type: 'stopped', lines }));
  } else if (cmd === 'counts') {
    reply({ type: 'counts', live: { requests: inflight }, totals });
  }
});
input.on('close', () => {
  void stopRecording().then(() => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
});

server.listen(Number(values.port), '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  reply({ type: 'ready', port });
});
