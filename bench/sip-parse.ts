/**
 * bench:sip-parse: messages per second of `parseMessage` against the `sip` npm package's
 * parser, in the same process, on three messages (an INVITE with SDP, its 200 OK, a short
 * BYE). Prints a table and writes bench/results/sip-parse.json.
 *
 * Each (message, parser) pair is warmed up, then timed in rounds of ~ROUND_MS; the median
 * round counts. The rounds of both parsers alternate so that machine noise hits both.
 * Patchbay parses from the Buffer (what a socket delivers: decoding is part of the cost);
 * `sip` gets its string already decoded, so the comparison is, if anything, in its favour.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import sip from 'sip';
import { parseMessage } from '../src/sip/message/parser.ts';

const ROUNDS = 7;
const ROUND_MS = 400;
const TARGET_RATIO = 3;

const SDP =
  'v=0\r\n' +
  'o=alice 2890844526 2890844526 IN IP4 198.51.100.7\r\n' +
  's=-\r\n' +
  'c=IN IP4 198.51.100.7\r\n' +
  't=0 0\r\n' +
  'm=audio 49170 RTP/AVP 0 8 101\r\n' +
  'a=rtpmap:0 PCMU/8000\r\n' +
  'a=rtpmap:8 PCMA/8000\r\n' +
  'a=rtpmap:101 telephone-event/8000\r\n' +
  'a=fmtp:101 0-15\r\n' +
  'a=ptime:20\r\n' +
  'a=sendrecv\r\n';

function message(lines: string[], body = ''): Buffer {
  return Buffer.from(`${lines.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

const MESSAGES: { name: string; data: Buffer }[] = [
  {
    name: 'INVITE with SDP',
    data: message(
      [
        'INVITE sip:+14155550123@gw.example.com SIP/2.0',
        'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK74bf9a1c3e;rport',
        'Max-Forwards: 70',
        'From: "Alice Smith" <sip:alice@example.org>;tag=9fxced76sl',
        'To: <sip:+14155550123@gw.example.com>',
        'Call-ID: 3848276298220188511@198.51.100.7',
        'CSeq: 1 INVITE',
        'Contact: <sip:alice@198.51.100.7:5060;transport=udp>',
        'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REFER, NOTIFY, INFO',
        'Supported: replaces, timer',
        'User-Agent: ExamplePhone/4.2',
        'Content-Type: application/sdp',
      ],
      SDP,
    ),
  },
  {
    name: '200 OK with SDP',
    data: message(
      [
        'SIP/2.0 200 OK',
        'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK74bf9a1c3e;rport=5060;received=198.51.100.7',
        'Record-Route: <sip:203.0.113.10;lr>',
        'From: "Alice Smith" <sip:alice@example.org>;tag=9fxced76sl',
        'To: <sip:+14155550123@gw.example.com>;tag=8321234356',
        'Call-ID: 3848276298220188511@198.51.100.7',
        'CSeq: 1 INVITE',
        'Contact: <sip:gw@203.0.113.20:5060>',
        'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS',
        'Content-Type: application/sdp',
      ],
      SDP.replaceAll('198.51.100.7', '203.0.113.20'),
    ),
  },
  {
    name: 'short BYE',
    data: message([
      'BYE sip:gw@203.0.113.20:5060 SIP/2.0',
      'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK5a2e0c81;rport',
      'Max-Forwards: 70',
      'From: "Alice Smith" <sip:alice@example.org>;tag=9fxced76sl',
      'To: <sip:+14155550123@gw.example.com>;tag=8321234356',
      'Call-ID: 3848276298220188511@198.51.100.7',
      'CSeq: 2 BYE',
    ]),
  },
];

/** Runs `fn` in batches until ROUND_MS passed; returns calls per second. */
function round(fn: () => unknown): number {
  let calls = 0;
  let sink = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ROUND_MS) {
    for (let i = 0; i < 1000; i++) if (fn() !== undefined) sink++;
    calls += 1000;
    t = performance.now();
  }
  if (sink !== calls) throw new Error('a parser returned nothing');
  return (calls * 1000) / (t - t0);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

interface Row {
  message: string;
  bytes: number;
  patchbayPerSec: number;
  sipPerSec: number;
  ratio: number;
}

const rows: Row[] = [];
for (const { name, data } of MESSAGES) {
  const text = data.toString('binary');
  const ours = () => parseMessage(data);
  const theirs = () => sip.parse(text);
  // Warm-up: let both reach optimized code before anything counts.
  round(ours);
  round(theirs);
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    a.push(round(ours));
    b.push(round(theirs));
  }
  const patchbayPerSec = Math.round(median(a));
  const sipPerSec = Math.round(median(b));
  rows.push({
    message: name,
    bytes: data.length,
    patchbayPerSec,
    sipPerSec,
    ratio: +(patchbayPerSec / sipPerSec).toFixed(2),
  });
}

const fmt = (n: number) => n.toLocaleString('en-US');
console.log(`sip-parse: messages/s, median of ${ROUNDS} rounds of ${ROUND_MS} ms (node ${process.version})`);
console.log('message            bytes   patchbay        sip   ratio');
for (const r of rows) {
  console.log(
    `${r.message.padEnd(17)} ${String(r.bytes).padStart(6)} ${fmt(r.patchbayPerSec).padStart(10)} ${fmt(r.sipPerSec).padStart(10)} ${r.ratio.toFixed(2).padStart(6)}x`,
  );
}
const minRatio = Math.min(...rows.map((r) => r.ratio));
console.log(
  `lowest ratio ${minRatio.toFixed(2)}x (target ${TARGET_RATIO}x): ${minRatio >= TARGET_RATIO ? 'met' : 'NOT met'}`,
);

const out = new URL('./results/sip-parse.json', import.meta.url);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify(
    {
      bench: 'sip-parse',
      date: new Date().toISOString(),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpu: cpus()[0]?.model ?? 'unknown',
      method: { rounds: ROUNDS, roundMs: ROUND_MS, statistic: 'median messages per second' },
      targetRatio: TARGET_RATIO,
      targetMet: minRatio >= TARGET_RATIO,
      results: rows,
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote ${out.pathname}`);
