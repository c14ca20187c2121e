/**
 * bench:xml: microseconds per document of `parseVobizXml` (parse + validate, the work done on
 * the call path for every fetched document), on a typical 1 KB IVR document
 * (bench/xml/typical.xml) and on a large one built here (a 150-option menu tree, just under the
 * 100 KB limit). Also times each stage alone, and fast-xml-parser's XMLValidator, which the
 * parser only runs when the pre-scan finds a syntax error. Prints a table and writes
 * bench/results/xml.json.
 *
 * Each measure is warmed up, then timed in ROUNDS rounds of ~ROUND_MS; the median round counts.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { XMLValidator } from 'fast-xml-parser';
import { VobizDocumentSchema } from '../schemas/xml/index.ts';
import { buildDocumentInput } from '../src/callflow/parser/document-input.ts';
import { parseVobizXml } from '../src/callflow/parser/parse-vobiz-xml.ts';
import { prescan } from '../src/callflow/parser/prescan.ts';
import { buildTree } from '../src/callflow/parser/xml-tree.ts';

const ROUNDS = 7;
const ROUND_MS = 300;
const TARGET_US = 100;

/** A menu tree: each option is a Gather with prompts, then a Dial with two destinations. */
function largeDocument(): string {
  const parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n'];
  for (let i = 1; ; i++) {
    const block = `  <Gather action="https://ivr.example.com/menu/${i}" method="POST" inputType="dtmf speech" numDigits="2" executionTimeout="10" hints="option ${i},agent,repeat">
    <Speak voice="WOMAN" language="en-GB">Menu ${i}. For option ${i}, press ${i % 10}. <break time="300ms"/> To repeat, press star.</Speak>
    <Play loop="1">https://cdn.example.com/audio/menu-${i}.mp3</Play>
  </Gather>
  <Dial action="https://ivr.example.com/dial/${i}" timeout="20" callerId="+14155550100" sipHeaders="menu=${i}">
    <Number sendDigits="ww${i}">+1415555${String(i).padStart(4, '0')}</Number>
    <User>sip:agent${i}@pbx.example.com</User>
  </Dial>
`;
    if (Buffer.byteLength(parts.join('') + block) > 100 * 1024 - 64) break;
    parts.push(block);
  }
  parts.push('  <Hangup/>\n</Response>\n');
  return parts.join('');
}

interface Measure {
  name: string;
  fn: () => unknown;
}

/** Median microseconds per call over ROUNDS rounds. */
function time(fn: () => unknown): number {
  const warmEnd = performance.now() + ROUND_MS;
  while (performance.now() < warmEnd) fn();
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let n = 0;
    const start = performance.now();
    let now = start;
    while (now - start < ROUND_MS) {
      for (let k = 0; k < 20; k++) fn();
      n += 20;
      now = performance.now();
    }
    rounds.push(((now - start) * 1000) / n);
  }
  rounds.sort((a, b) => a - b);
  return rounds[Math.floor(ROUNDS / 2)];
}

function measures(text: string): Measure[] {
  const scan = prescan(text, 32);
  const roots = buildTree(text, scan.tags);
  const built = buildDocumentInput(roots[0], 'call');
  return [
    { name: 'parseVobizXml', fn: () => parseVobizXml(text) },
    { name: 'pre-scan', fn: () => prescan(text, 32) },
    { name: 'fast-xml-parser parse + tree', fn: () => buildTree(text, scan.tags) },
    { name: 'schema input', fn: () => buildDocumentInput(roots[0], 'call') },
    { name: 'zod validation', fn: () => VobizDocumentSchema.safeParse(built.input) },
    { name: '(XMLValidator, skipped when clean)', fn: () => XMLValidator.validate(text) },
  ];
}

const documents = [
  { name: 'typical', text: readFileSync(new URL('xml/typical.xml', import.meta.url), 'utf8') },
  { name: 'large', text: largeDocument() },
];

const loadBefore = loadavg()[0];
const results = documents.map(({ name, text }) => {
  const check = parseVobizXml(text);
  if (!check.ok) throw new Error(`${name} document is invalid: ${JSON.stringify(check.errors)}`);
  const stages: Record<string, number> = {};
  for (const m of measures(text)) stages[m.name] = Math.round(time(m.fn) * 100) / 100;
  return {
    document: name,
    bytes: Buffer.byteLength(text),
    verbs: check.document.verbs.length,
    microsecondsPerDocument: stages.parseVobizXml,
    stages,
  };
});

console.log('| document | bytes | µs / document | stage | µs |');
console.log('|---|---|---|---|---|');
for (const r of results) {
  for (const [stage, us] of Object.entries(r.stages)) {
    console.log(`| ${r.document} | ${r.bytes} | ${r.microsecondsPerDocument} | ${stage} | ${us} |`);
  }
}
const typical = results[0].microsecondsPerDocument;
console.log(`typical document: ${typical} µs (target: well under ${TARGET_US} µs)`);

const out = {
  bench: 'xml',
  date: new Date().toISOString(),
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  cpu: cpus()[0]?.model.trim(),
  cpus: cpus().length,
  loadAverage: { before: loadBefore, after: loadavg()[0] },
  method: { rounds: ROUNDS, roundMs: ROUND_MS, statistic: 'median microseconds per document' },
  targetMicroseconds: TARGET_US,
  targetMet: typical < TARGET_US,
  results,
};
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(new URL('results/xml.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
