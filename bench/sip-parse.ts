/**
 * bench:sip-parse: messages per second of `parseMessage` against the `sip` npm package's
 * parser, in the same process, on three messages (an INVITE with SDP, its 200 OK, a short
 * BYE). Two measures: parse only, and parse plus what the stack reads on every message (top
 * Via branch and sent-by, CSeq number and method, Call-ID, From and To tags, the body, and
 * for the INVITE the Contact URI), read from each parser's own result. Prints a table and
 * writes bench/results/sip-parse.json.
 *
 * Each (message, parser, measure) is warmed up, then timed in rounds of ~ROUND_MS; the
 * median round counts. The rounds of both parsers alternate so that machine noise hits both.
 * Patchbay parses from the Buffer (what a socket delivers: decoding is part of the cost);
 * `sip` gets its string already decoded, so the comparison is, if anything, in its favour.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import sip from 'sip';
import type { SipRequest, SipResponse } from '../src/sip/message/message.ts';
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

const MESSAGES: { name: string; data: Buffer; contact?: boolean }[] = [
  {
    name: 'INVITE with SDP',
    contact: true,
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

/** What `sip.parse` returns, as far as this benchmark reads it. */
interface SipPackageMessage {
  headers: {
    via: { host: string; port?: number; params: Record<string, string | null> }[];
    cseq: { seq: number; method: string };
    'call-id': string;
    from: { params: Record<string, string | null> };
    to: { params: Record<string, string | null> };
    contact?: { uri: string }[];
  };
  content?: string;
}

/** The fields the stack reads on every message, from a parseMessage() result. */
function readOurs(m: SipRequest | SipResponse, contact: boolean): number {
  const via = m.via[0];
  let n = (via.branch?.length ?? 0) + via.host.length + (via.port ?? 0);
  n += m.cseq.seq + m.cseq.method.length + m.callId.length;
  n += (m.from.tag?.length ?? 0) + (m.to.tag?.length ?? 0) + m.body.length;
  if (contact) n += m.contact[0].uri.host.length;
  return n;
}

/** The same fields from a `sip.parse` result; it keeps Contact URIs as text, so they are parsed here. */
function readTheirs(m: SipPackageMessage, contact: boolean): number {
  const h = m.headers;
  const via = h.via[0];
  let n = (via.params.branch?.length ?? 0) + via.host.length + (via.port ?? 0);
  n += h.cseq.seq + h.cseq.method.length + h['call-id'].length;
  n += (h.from.params.tag?.length ?? 0) + (h.to.params.tag?.length ?? 0) + (m.content?.length ?? 0);
  if (contact) n += (sip.parseUri((h.contact ?? [])[0].uri) as { host: string }).host.length;
  return n;
}

/** Median messages per second of `ours` and `theirs`, their rounds alternating. */
function compare(
  ours: () => unknown,
  theirs: () => unknown,
): { patchbayPerSec: number; sipPerSec: number; ratio: number } {
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
  return { patchbayPerSec, sipPerSec, ratio: +(patchbayPerSec / sipPerSec).toFixed(2) };
}

interface Pair {
  patchbayPerSec: number;
  sipPerSec: number;
  ratio: number;
}

interface Row extends Pair {
  message: string;
  bytes: number;
  parseAndRead: Pair;
}

/** One measure over the three messages, in this process. */
function measure(kind: 'parse' | 'read'): Pair[] {
  return MESSAGES.map(({ data, contact = false }) => {
    const text = data.toString('binary');
    if (kind === 'parse') {
      return compare(
        () => parseMessage(data),
        () => sip.parse(text),
      );
    }
    return compare(
      () => readOurs(parseMessage(data), contact),
      () => readTheirs(sip.parse(text) as SipPackageMessage, contact),
    );
  });
}

/**
 * Each measure runs in a process of its own: what the JIT compiled for one (the objects the
 * reads build) would otherwise change the code the other runs.
 */
function inChild(kind: 'parse' | 'read'): Pair[] {
  const script = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, [...process.execArgv, script, kind], { encoding: 'utf8' });
  return JSON.parse(out) as Pair[];
}

const child = process.argv[2];
if (child === 'parse' || child === 'read') {
  process.stdout.write(JSON.stringify(measure(child)));
} else {
  report();
}

function report(): void {
  const loadBefore = loadavg()[0];
  const parse = inChild('parse');
  const read = inChild('read');
  const loadAfter = loadavg()[0];
  const rows: Row[] = MESSAGES.map((m, i) => ({
    message: m.name,
    bytes: m.data.length,
    ...parse[i],
    parseAndRead: read[i],
  }));

  const fmt = (n: number) => n.toLocaleString('en-US').padStart(10);
  console.log(
    `sip-parse: messages/s, median of ${ROUNDS} rounds of ${ROUND_MS} ms (node ${process.version})`,
  );
  console.log('                          ---------- parse ----------   ------ parse + read -------');
  console.log('message            bytes   patchbay        sip  ratio   patchbay        sip  ratio');
  for (const r of rows) {
    const p = r.parseAndRead;
    console.log(
      `${r.message.padEnd(17)} ${String(r.bytes).padStart(6)} ${fmt(r.patchbayPerSec)} ${fmt(r.sipPerSec)} ` +
        `${r.ratio.toFixed(2).padStart(5)}x ${fmt(p.patchbayPerSec)} ${fmt(p.sipPerSec)} ${p.ratio.toFixed(2).padStart(5)}x`,
    );
  }
  const minRatio = Math.min(...rows.map((r) => r.ratio));
  const minReadRatio = Math.min(...rows.map((r) => r.parseAndRead.ratio));
  console.log(
    `lowest parse ratio ${minRatio.toFixed(2)}x (target ${TARGET_RATIO}x): ${minRatio >= TARGET_RATIO ? 'met' : 'NOT met'}; ` +
      `lowest parse + read ratio ${minReadRatio.toFixed(2)}x; ` +
      `load average ${loadBefore.toFixed(2)} -> ${loadAfter.toFixed(2)} on ${cpus().length} CPUs`,
  );

  const out = new URL('./results/sip-parse.json', import.meta.url);
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const result = {
    bench: 'sip-parse',
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    loadAverage: { before: +loadBefore.toFixed(2), after: +loadAfter.toFixed(2) },
    method: {
      rounds: ROUNDS,
      roundMs: ROUND_MS,
      statistic: 'median messages per second',
      processes: 'parse and parse + read each in a fresh process',
      parseAndRead:
        'parse, then read top Via branch, host and port, CSeq number and method, Call-ID, From and To tags, the body, and for the INVITE the Contact URI host',
    },
    targetRatio: TARGET_RATIO,
    targetMet: minRatio >= TARGET_RATIO,
    results: rows,
  };
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${out.pathname}`);
}
