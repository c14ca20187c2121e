import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { EspeakTtsProvider, type TtsError } from '../../../../src/media/source/tts.ts';

// Fake synthesizers: small shell scripts that log how they were called, then behave as told.
const root = mkdtempSync(join(tmpdir(), 'patchbay-tts-unit-'));
after(() => rmSync(root, { recursive: true, force: true }));
let seq = 0;

interface Fake {
  binary: string;
  cacheDir: string;
  /** One line per run: the arguments. */
  calls(): string[];
  /** What each run read on stdin. */
  inputs(): string[];
  /** PIDs written by scripts that hang. */
  pids(): number[];
  /** `start <ns>` / `end <ns>` lines. */
  events(): string[];
}

/** `action` runs after the arguments are logged and stdin is saved; $out is the -w path, $log the log. */
function fake(action: string): Fake {
  const dir = join(root, `f${++seq}`);
  const cacheDir = join(dir, 'cache');
  const bin = join(dir, 'espeak');
  const log = join(dir, 'log');
  mkdirSync(dir);
  writeFileSync(log, '');
  writeFileSync(`${log}.pids`, '');
  writeFileSync(`${log}.events`, '');
  const script = `#!/bin/sh
log=${log}
echo "$*" >> ${log}
out=""
while [ $# -gt 0 ]; do
  if [ "$1" = "-w" ]; then shift; out="$1"; fi
  shift
done
n=$(wc -l < ${log})
cat > ${log}.in.$n
echo "start $(date +%s%N)" >> ${log}.events
${action}
echo "end $(date +%s%N)" >> ${log}.events
`;
  writeFileSync(bin, script);
  chmodSync(bin, 0o755);
  const lines = (p: string) => readFileSync(p, 'utf8').split('\n').filter(Boolean);
  return {
    binary: bin,
    cacheDir,
    calls: () => lines(log),
    inputs: () => lines(log).map((_, i) => readFileSync(`${log}.in.${i + 1}`, 'utf8')),
    pids: () => lines(`${log}.pids`).map(Number),
    events: () => lines(`${log}.events`),
  };
}

/** Writes a 44-byte header plus 100 bytes, like a tiny WAV. */
const WRITE_WAV = `head -c 144 /dev/zero > "$out"`;
/** Records its pid, then becomes a process that never ends. */
const HANG = 'echo $$ >> "$log.pids"; exec sleep 30';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<TtsError> {
  let caught: unknown;
  await p.then(
    () => assert.fail(`expected ${code}`),
    (err: unknown) => {
      caught = err;
    },
  );
  assert.equal((caught as TtsError).code, code, String(caught));
  return caught as TtsError;
}

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await sleep(10);
  assert.ok(cond(), 'condition not reached in 2 s');
}

test('empty or whitespace text: TTS_EMPTY, no process', async () => {
  const f = fake(WRITE_WAV);
  const tts = new EspeakTtsProvider({ cacheDir: f.cacheDir, binary: f.binary });
  await rejectsWith(tts.synthesize({ text: '' }), 'TTS_EMPTY');
  await rejectsWith(tts.synthesize({ text: ' \n\t ' }), 'TTS_EMPTY');
  assert.equal(tts.stats.spawned, 0);
  assert.deepEqual(f.calls(), []);
});

test('text over the limit: TTS_TOO_LONG', async () => {
  const f = fake(WRITE_WAV);
  const tts = new EspeakTtsProvider({ cacheDir: f.cacheDir, binary: f.binary, maxTextLength: 10 });
  await rejectsWith(tts.synthesize({ text: 'x'.repeat(11) }), 'TTS_TOO_LONG');
  assert.equal((await tts.synthesize({ text: 'x'.repeat(10) })).cached, false);
  const def = new EspeakTtsProvider({ cacheDir: f.cacheDir, binary: f.binary });
  await rejectsWith(def.synthesize({ text: 'y'.repeat(5001) }), 'TTS_TOO_LONG');
});

test('a missing binary: TTS_UNAVAILABLE naming the package', async () => {
  const tts = new EspeakTtsProvider({ cacheDir: join(root, 'none'), binary: join(root, 'no-such-espeak') });
  const err = await rejectsWith(tts.synthesize({ text: 'hello' }), 'TTS_UNAVAILABLE');
  assert.match(err.message, /espeak-ng/);
});

test('arguments: voice+variant, UTF-8, -w into a temporary file, text on stdin; -m for SSML', async () => {
  const f = fake(WRITE_WAV);
  const tts = new EspeakTtsProvider({ cacheDir: f.cacheDir, binary: f.binary });
  const r = await tts.synthesize({ text: 'Grüße; rm -rf / "$HOME"', voice: 'MAN', language: 'de-DE' });
  await tts.synthesize({ text: 'plain <b>', ssml: true });
  await tts.synthesize({ text: '  <speak>hi<break time="1s"/></speak>' });
  await tts.synthesize({ text: 'speaking of <speak' });
  const calls = f.calls();
  assert.equal(calls.length, 4);
  const tmp = /^-v de\+m3 -b 1 -w (\S+) --stdin$/.exec(calls[0]);
  assert.ok(tmp, calls[0]);
  assert.notEqual(tmp[1], r.file, 'espeak-ng writes a temporary file, renamed afterwards');
  assert.ok(tmp[1].startsWith(f.cacheDir));
  assert.match(calls[1], /^-v en-us\+f3 -b 1 -w \S+ -m --stdin$/);
  assert.match(calls[2], / -m --stdin$/);
  assert.doesNotMatch(calls[3], / -m /);
  assert.deepEqual(f.inputs(), [
    'Grüße; rm -rf / "$HOME"',
    'plain <b>',
    '  <speak>hi<break time="1s"/></speak>',
    'speaking of <speak',
  ]);
});

test('cache: the result is <cacheDir>/<sha256>.wav; a second call is a hit without a process', async () => {
  const f = fake(WRITE_WAV);
  const tts = new EspeakTtsProvider({ cacheDir: f.cacheDir, binary: f.binary });
  const first = await tts.synthesize({ text: 'hello' });
  assert.equal(first.cached, false);
  assert.match(first.file, new RegExp(`^${f.cacheDir}/[0-9a-f]{64}\\.wav$`));
  assert.equal(readFileSync(first.file).length, 144);
  const again = await tts.synthesize({ text: 'hello', voice: 'WOMAN', language: 'en-US' });
  assert.deepEqual(again, { file: first.file, cached: true });
  assert.equal(tts.stats.spawned, 1);
  assert.equal(tts.stats.cacheHits, 1);
  // A new provider on the same folder finds it too.
  const other = new EspeakTtsProvider({ cacheDir: f.cacheDir, binary: f.binary });
  assert.equal((await other.synthesize({ text: 'hello' })).cached, true);
  // Text, voice, language and SSML mode are all part of the key.
  const variants = [
    { text: 'hello!' },
    { text: 'hello', voice: 'MAN' },
    { text: 'hello', language: 'en-GB' },
    { text: 'hello', ssml: true },
  ];
  const files = new Set([first.file]);
  for (const req of variants) files.add((await tts.synthesize(req)).file);
  assert.equal(files.size, 5);
  assert.equal(tts.stats.spawned, 5);
  assert.deepEqual(
    readdirSync(f.cacheDir).filter((n) => !n.endsWith('.wav')),
    [],
    'no temporary file left behind',
  );
});

test('concurrent identical requests share one process', async () => {
  const f = fake(`sleep 0.2; ${WRITE_WAV}`);
  const tts = new EspeakTtsProvider({ cacheDir: f.cacheDir, binary: f.binary });
  const results = await Promise.all([
    tts.synthesize({ text: 'same' }),
    tts.synthesize({ text: 'same' }),
    tts.synthesize({ text: 'same', voice: 'woman' }),
  ]);
  assert.equal(f.calls().length, 1);
  assert.equal(tts.stats.spawned, 1);
  assert.equal(tts.stats.shared, 2);
  assert.ok(results.every((r) => r.file === results[0].file && !r.cached));
});

test('the file appears in the cache only once complete (temporary file, then rename)', async () => {
  const f = fake(`head -c 100 /dev/zero > "$out"; sleep 0.3; ${WRITE_WAV}`);
  const tts = new EspeakTtsProvider({ cacheDir: f.cacheDir, binary: f.binary });
  const p = tts.synthesize({ text: 'slow' });
  await waitFor(() => existsSync(f.cacheDir) && readdirSync(f.cacheDir).length > 0);
  const during = readdirSync(f.cacheDir);
  assert.equal(during.length, 1);
  assert.match(during[0], /^[0-9a-f]{64}\.wav\.\d+\.[0-9a-f]+\.tmp$/, 'only the partial temporary file');
  const r = await p;
  assert.equal(readFileSync(r.file).length, 144);
  assert.deepEqual(readdirSync(f.cacheDir), [r.file.slice(f.cacheDir.length + 1)]);
});

test('at most maxConcurrent processes; the others queue', async () => {
  const f = fake(`sleep 0.15; ${WRITE_WAV}`);
  const tts = new EspeakTtsProvider({ cacheDir: f.cacheDir, binary: f.binary, maxConcurrent: 2 });
  const all = Promise.all(['a', 'b', 'c', 'd', 'e'].map((text) => tts.synthesize({ text })));
  await waitFor(() => tts.load.queued === 3);
  assert.deepEqual(tts.load, { running: 2, queued: 3 });
  await all;
  assert.deepEqual(tts.load, { running: 0, queued: 0 });
  assert.equal(tts.stats.spawned, 5);
  // Replay the start/end log: never more than two at once.
  const events = f.events().map((line) => {
    const [kind, ns] = line.split(' ');
    return { delta: kind === 'start' ? 1 : -1, at: BigInt(ns) };
  });
  events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.delta - b.delta));
  let now = 0;
  let max = 0;
  for (const e of events) {
    now += e.delta;
    max = Math.max(max, now);
  }
  assert.equal(max, 2);
});

test('non-zero exit: TTS_FAILED with the stderr text; nothing cached', async () => {
  const f = fake('echo "Error: voice broke" >&2; exit 3');
  const tts = new EspeakTtsProvider({ cacheDir: f.cacheDir, binary: f.binary });
  const err = await rejectsWith(tts.synthesize({ text: 'hello' }), 'TTS_FAILED');
  assert.match(err.message, /voice broke/);
  assert.deepEqual(readdirSync(f.cacheDir), []);
  // Failures are not cached: the next call runs again.
  await rejectsWith(tts.synthesize({ text: 'hello' }), 'TTS_FAILED');
  assert.equal(f.calls().length, 2);
});

test('output with no audio after the header: TTS_FAILED', async () => {
  const f = fake(`head -c 44 /dev/zero > "$out"`);
  const tts = new EspeakTtsProvider({ cacheDir: f.cacheDir, binary: f.binary });
  await rejectsWith(tts.synthesize({ text: 'hello' }), 'TTS_FAILED');
  assert.deepEqual(readdirSync(f.cacheDir), []);
});

test('timeout kills the process: TTS_TIMEOUT', async () => {
  const f = fake(HANG);
  const tts = new EspeakTtsProvider({ cacheDir: f.cacheDir, binary: f.binary, timeoutMs: 200 });
  const t0 = performance.now();
  const err = await rejectsWith(tts.synthesize({ text: 'hello' }), 'TTS_TIMEOUT');
  assert.match(err.message, /200 ms/);
  assert.ok(performance.now() - t0 < 2000);
  const [pid] = f.pids();
  assert.ok(pid > 0);
  assert.equal(alive(pid), false, 'the process is gone');
  assert.deepEqual(tts.load, { running: 0, queued: 0 }, 'its slot is free');
  assert.deepEqual(readdirSync(f.cacheDir), []);
});

test('abort kills the process: TTS_ABORTED', async () => {
  const f = fake(HANG);
  const tts = new EspeakTtsProvider({ cacheDir: f.cacheDir, binary: f.binary });
  const ac = new AbortController();
  const p = tts.synthesize({ text: 'hello' }, ac.signal);
  await waitFor(() => f.pids().length === 1);
  ac.abort();
  await rejectsWith(p, 'TTS_ABORTED');
  await waitFor(() => tts.load.running === 0);
  assert.equal(alive(f.pids()[0]), false);
  // An already aborted signal: nothing starts.
  await rejectsWith(tts.synthesize({ text: 'other' }, AbortSignal.abort()), 'TTS_ABORTED');
  assert.equal(f.calls().length, 1);
});

test('a shared synthesis survives one caller aborting, and dies when the last one does', async () => {
  const f = fake(`sleep 0.3; ${WRITE_WAV}`);
  const tts = new EspeakTtsProvider({ cacheDir: f.cacheDir, binary: f.binary });
  const ac = new AbortController();
  const leaving = tts.synthesize({ text: 'shared' }, ac.signal);
  const staying = tts.synthesize({ text: 'shared' });
  await sleep(50);
  ac.abort();
  await rejectsWith(leaving, 'TTS_ABORTED');
  assert.equal((await staying).cached, false);

  const h = fake(HANG);
  const tts2 = new EspeakTtsProvider({ cacheDir: h.cacheDir, binary: h.binary });
  const a = new AbortController();
  const b = new AbortController();
  const pa = tts2.synthesize({ text: 'x' }, a.signal);
  const pb = tts2.synthesize({ text: 'x' }, b.signal);
  await waitFor(() => h.pids().length === 1);
  a.abort();
  await rejectsWith(pa, 'TTS_ABORTED');
  await sleep(50);
  assert.equal(alive(h.pids()[0]), true, 'still wanted by the second caller');
  b.abort();
  await rejectsWith(pb, 'TTS_ABORTED');
  await waitFor(() => !alive(h.pids()[0]));
});

test('a queued request that is aborted never starts a process', async () => {
  // The first run lasts long enough that it is surely still running when the second is aborted.
  const f = fake(`sleep 1; ${WRITE_WAV}`);
  const tts = new EspeakTtsProvider({ cacheDir: f.cacheDir, binary: f.binary, maxConcurrent: 1 });
  const first = tts.synthesize({ text: 'first' });
  // The cache lookups race; the first request must hold the slot before the second asks.
  await waitFor(() => tts.load.running === 1);
  const ac = new AbortController();
  const second = tts.synthesize({ text: 'second' }, ac.signal);
  await waitFor(() => tts.load.queued === 1);
  assert.deepEqual(tts.load, { running: 1, queued: 1 });
  ac.abort();
  await rejectsWith(second, 'TTS_ABORTED');
  assert.deepEqual(tts.load, { running: 1, queued: 0 });
  await first;
  assert.equal(f.calls().length, 1);
  assert.deepEqual(tts.load, { running: 0, queued: 0 });
});
