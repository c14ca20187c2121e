/**
 * Recorder on a real media clock. Most inputs are driven by the clock itself (a frame per
 * tick, in the 'mix' phase, so the recorder takes frame n on tick n and files are exact);
 * the endpoint cases use a raw RTP peer. Files are read back with sox, an independent
 * reader, when it is installed, and with our own parser otherwise.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, type TestContext, test } from 'node:test';
import { parseWav } from '../../../../src/media/audio/wav.ts';
import type { DtmfEvent } from '../../../../src/media/dtmf/types.ts';
import type { LocalMediaEngine } from '../../../../src/media/local/local-engine.ts';
import type { MediaClock, MediaTicker } from '../../../../src/media/media-clock.ts';
import type { AudioListener } from '../../../../src/media/media-engine.ts';
import type { RecordInput } from '../../../../src/media/record/recorder.ts';
import { sine, toneAmplitude } from '../../../helpers/audio.ts';
import { assertRangeFree, mediaTo, RtpPeer, sleep, testEngine } from '../../../helpers/media-lab.ts';

const dir = mkdtempSync(join(tmpdir(), 'patchbay-rec-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (name: string) => join(dir, `${++n}-${name}.wav`);

const hasSox = spawnSync('sox', ['--version']).status === 0;
const NO_SOX = hasSox ? false : 'sox is not installed: the independent WAV reader is missing';

function sox(...args: string[]): string {
  const r = spawnSync('sox', args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `sox ${args.join(' ')}: ${r.stderr}`);
  // `stat` writes to stderr; `--i` to stdout.
  return `${r.stdout}${r.stderr}`;
}

/** What sox reads in a file: rate, channels, samples per channel, and `stat` fields of a channel. */
function soxRead(
  path: string,
  channel?: number,
): { rate: number; channels: number; samples: number; stat: Record<string, number> } {
  const stat: Record<string, number> = {};
  const out = sox(path, '-n', ...(channel ? ['remix', String(channel)] : []), 'stat');
  for (const line of out.split('\n')) {
    const m = /^([A-Za-z ()]+):\s+(-?[\d.]+)\s*$/.exec(line);
    if (m) stat[(m[1] as string).replace(/\s+/g, ' ').trim()] = Number(m[2]);
  }
  return {
    rate: Number(sox('--i', '-r', path).trim()),
    channels: Number(sox('--i', '-c', path).trim()),
    samples: Number(sox('--i', '-s', path).trim()),
    stat,
  };
}

/** sox's "Rough frequency" is what it says: within 6 %. */
function assertNear(hz: number | undefined, want: number, what: string): void {
  assert.ok(hz !== undefined && Math.abs(hz / want - 1) < 0.06, `${what}: ${hz} Hz, not ${want}`);
}

/** The header's two sizes agree with the file's length (RIFF counts from byte 8, data from 44). */
function assertHeaderMatches(path: string, dataBytes?: number): number {
  const buf = readFileSync(path);
  const size = statSync(path).size;
  assert.equal(buf.toString('latin1', 0, 4), 'RIFF');
  assert.equal(buf.readUInt32LE(4), size - 8, 'RIFF size');
  assert.equal(buf.toString('latin1', 36, 40), 'data');
  assert.equal(buf.readUInt32LE(40), size - 44, 'data size');
  if (dataBytes !== undefined) assert.equal(size - 44, dataBytes);
  return size - 44;
}

/** A recording input fed by the media clock: frame `i` of `signal` on the i-th tick it is listened to. */
class ClockInput implements RecordInput, MediaTicker {
  private readonly listeners = new Set<AudioListener>();
  private readonly dtmf = new Set<(e: DtmfEvent) => void>();
  private readonly frame = new Int16Array(160);
  private readonly remove: () => void;
  frames = 0;

  constructor(
    clock: MediaClock,
    private readonly signal: (frame: number) => Int16Array,
  ) {
    this.remove = clock.add(this, 'mix');
  }

  onTick(_tick: number, nowMs: number): void {
    if (this.listeners.size === 0) return;
    this.frame.set(this.signal(this.frames++));
    for (const l of this.listeners) l(this.frame, nowMs);
  }

  onAudio(l: AudioListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  onDtmf(l: (e: DtmfEvent) => void): () => void {
    this.dtmf.add(l);
    return () => this.dtmf.delete(l);
  }

  key(digit: DtmfEvent['digit']): void {
    for (const l of this.dtmf) l({ digit, source: 'rfc4733', atMs: Date.now(), durationMs: 100 });
  }

  stop(): void {
    this.remove();
  }
}

/** A ClockInput on the engine's clock, taken off it when the test ends. */
function clockInput(
  t: TestContext,
  engine: LocalMediaEngine,
  signal: (frame: number) => Int16Array,
): ClockInput {
  const input = new ClockInput(engine.clock, signal);
  t.after(() => input.stop());
  return input;
}

/** Frames cut from one long signal. */
const framesOf = (signal: Int16Array) => (i: number) => signal.subarray(i * 160, i * 160 + 160);

/** A raw RTP peer and an endpoint that talk to each other; the peer is closed when the test ends. */
async function peerAndEndpoint(t: TestContext, engine: LocalMediaEngine) {
  const peer = await RtpPeer.open();
  t.after(() => peer.close());
  const ep = await engine.createEndpoint();
  peer.target = ep.port;
  ep.configure(mediaTo(peer.port));
  return { peer, ep };
}

function engineFor(t: TestContext): { engine: LocalMediaEngine; done: () => Promise<void> } {
  const engine = testEngine();
  const range = engine.ports;
  t.after(() => engine.close());
  return {
    engine,
    done: async () => {
      await engine.close();
      assert.equal(engine.stats().recordings, 0);
      await assertRangeFree(range);
    },
  };
}

/**
 * A recording input that delivers a counting signal (sample i is i % 30000 + 1, never 0) in
 * 30 ms packets, on the tick where each packet's last sample is due, some of them a tick late,
 * and nothing at all during `gap` ticks (a sender that went quiet, as with silence
 * suppression), after which the count goes on where it stopped.
 */
class JitteryInput implements RecordInput, MediaTicker {
  private readonly listeners = new Set<AudioListener>();
  private readonly remove: () => void;
  private tick = 0;
  private sent = 0;
  private due = 0;
  private held: Int16Array[] = [];

  constructor(
    clock: MediaClock,
    private readonly gap: { from: number; ticks: number },
  ) {
    this.remove = clock.add(this, 'mix');
  }

  onTick(_tick: number, nowMs: number): void {
    if (this.listeners.size === 0) return;
    const k = this.tick++;
    const out = this.held;
    this.held = [];
    if (k < this.gap.from || k >= this.gap.from + this.gap.ticks) {
      this.due += 160;
      while (this.due >= 240) {
        this.due -= 240;
        const packet = Int16Array.from({ length: 240 }, (_, i) => ((this.sent + i) % 30000) + 1);
        const late = (this.sent / 240) % 5 === 2;
        this.sent += 240;
        (late ? this.held : out).push(packet);
      }
    }
    for (const packet of out) for (const l of this.listeners) l(packet, nowMs);
  }

  onAudio(l: AudioListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  stop(): void {
    this.remove();
  }
}

describe('Recorder', () => {
  test('mono: maxLengthMs, the exact samples, and what sox reads', { skip: NO_SOX }, async (t) => {
    const { engine, done } = engineFor(t);
    const tone = sine(440, 8000, 8000, 8000);
    const input = clockInput(t, engine, framesOf(tone));
    const path = file('mono');
    const rec = await engine.record({ file: path, inputs: [input], maxLengthMs: 600 });
    const r = await rec.done;
    assert.equal(r.reason, 'max-length');
    assert.equal(r.durationMs, 600);
    assert.equal(r.bytes, 44 + 4800 * 2);
    assertHeaderMatches(path, 4800 * 2);
    const wav = parseWav(readFileSync(path));
    assert.deepEqual(wav.samples, tone.subarray(0, 4800));
    const s = soxRead(path);
    assert.deepEqual([s.rate, s.channels, s.samples], [8000, 1, 4800]);
    assert.equal(s.stat['Samples read'], 4800);
    assert.equal(s.stat['Length (seconds)'], 0.6);
    assertNear(s.stat['Rough frequency'], 440, 'sox hears');
    assert.ok(Math.abs((s.stat['Maximum amplitude'] as number) - 8000 / 32768) < 0.01);
    await done();
  });

  test('stereo: first input left, second right; mono: true mixes them', { skip: NO_SOX }, async (t) => {
    const { engine, done } = engineFor(t);
    const left = sine(500, 8000, 8000, 6000);
    const right = sine(1200, 8000, 8000, 9000);
    const l = clockInput(t, engine, framesOf(left));
    const r = clockInput(t, engine, framesOf(right));
    const stereo = file('stereo');
    const result = await (await engine.record({ file: stereo, inputs: [l, r], maxLengthMs: 400 })).done;
    assert.equal(result.reason, 'max-length');
    assertHeaderMatches(stereo, 3200 * 4);
    const s = soxRead(stereo);
    assert.deepEqual([s.rate, s.channels, s.samples], [8000, 2, 3200]);
    const sl = soxRead(stereo, 1).stat;
    const sr = soxRead(stereo, 2).stat;
    assertNear(sl['Rough frequency'], 500, 'left');
    assertNear(sr['Rough frequency'], 1200, 'right');
    const wav = parseWav(readFileSync(stereo));
    const want = new Int16Array(6400);
    for (let i = 0; i < 3200; i++) {
      want[2 * i] = left[i] as number;
      want[2 * i + 1] = right[i] as number;
    }
    assert.deepEqual(wav.samples, want);

    const mixed = file('mixed');
    await (await engine.record({ file: mixed, inputs: [l, r], mono: true, maxLengthMs: 200 })).done;
    const m = soxRead(mixed);
    assert.deepEqual([m.channels, m.samples], [1, 1600]);
    const mw = parseWav(readFileSync(mixed)).samples;
    assert.ok(toneAmplitude(mw, 8000, 500) > 5000 && toneAmplitude(mw, 8000, 1200) > 8000);
    await done();
  });

  test('late packets land in their place, a gap keeps its length, what came is never lost', async (t) => {
    const { engine, done } = engineFor(t);
    const input = new JitteryInput(engine.clock, { from: 50, ticks: 25 });
    t.after(() => input.stop());
    const path = file('jitter');
    const rec = await engine.record({ file: path, inputs: [input] });
    while (rec.durationMs < 2400) await sleep(20);
    const r = await rec.stop();
    const got = parseWav(readFileSync(path)).samples;
    assert.equal(got.length, (r.durationMs / 1000) * 8000);
    // Before the gap: the count exactly, no silence slipped in for the 30 ms packets or the
    // late ones.
    let i = 0;
    while (i < got.length && got[i] !== 0) {
      assert.equal(got[i], (i % 30000) + 1, `sample ${i}`);
      i++;
    }
    const before = i;
    assert.ok(before >= 7500, `${before} samples before the first silence`);
    // The gap: 500 ms of nothing, written as silence of that length (at most 60 ms short).
    while (i < got.length && got[i] === 0) i++;
    const gap = i - before;
    assert.ok(gap >= 4000 - 480 && gap <= 4000 + 240, `a gap of ${gap} samples`);
    // After it the count goes on from where it stopped, whole, to the end of what was sent.
    let next = before;
    while (i < got.length && got[i] !== 0) {
      assert.equal(got[i], (next % 30000) + 1, `sample ${i} after the gap`);
      i++;
      next++;
    }
    assert.ok(next - before >= 7000, `${next - before} samples after the gap`);
    // Only the frames still owed at the stop (at most the grace) may be silence after that.
    assert.ok(got.length - i <= 3 * 160, `${got.length - i} samples of silence at the end`);
    await done();
  });

  test('a stall of the event loop inserts no silence: the catch-up ticks wait for the packets', async (t) => {
    const { engine, done } = engineFor(t);
    const { peer, ep } = await peerAndEndpoint(t, engine);
    const path = file('stall');
    const rec = await engine.record({ file: path, inputs: [engine.input(ep, 'in')] });
    const tone = sine(600, 8000, 8 * 1500, 7000);
    const streaming = peer.stream(tone);
    await peer.until(() => rec.durationMs >= 600, 3000, '600 ms recorded');
    // 50 ms with the loop held (a GC pause, a busy neighbour): after it the clock runs the
    // periods it owes before the loop reads the packets that came meanwhile.
    const until = performance.now() + 50;
    while (performance.now() < until);
    await streaming;
    await sleep(100);
    const r = await rec.stop();
    const got = parseWav(readFileSync(path)).samples;
    assert.equal(got.length, (r.durationMs / 1000) * 8000);
    let first = 0;
    while (first < got.length && got[first] === 0) first++;
    let last = got.length - 1;
    while (last > first && got[last] === 0) last--;
    assert.ok(last - first > 8 * 1400, `${(last - first) / 8} ms of tone recorded`);
    // A 600 Hz tone of that level never stays at 0 for 2.5 ms: such a run is inserted silence.
    let run = 0;
    for (let i = first; i <= last; i++) {
      run = got[i] === 0 ? run + 1 : 0;
      assert.ok(run < 20, `silence inserted at ${(i - first) / 8} ms into the tone`);
    }
    await done();
  });

  test('silenceTimeoutMs ends the recording after that much silence', async (t) => {
    const { engine, done } = engineFor(t);
    const talk = sine(700, 8000, 8 * 300, 5000);
    const quiet = new Int16Array(160).fill(40);
    const input = clockInput(t, engine, (i) => (i < 15 ? framesOf(talk)(i) : quiet));
    const path = file('silence');
    const r = await (await engine.record({ file: path, inputs: [input], silenceTimeoutMs: 400 })).done;
    assert.equal(r.reason, 'silence');
    // 300 ms of talk, then 400 ms of silence.
    assert.equal(r.durationMs, 700);
    assertHeaderMatches(path, 5600 * 2);
    await done();
  });

  test('finishOnKey ends on a listed key only, with the key in the result', async (t) => {
    const { engine, done } = engineFor(t);
    const input = clockInput(t, engine, () => new Int16Array(160));
    const path = file('key');
    const rec = await engine.record({ file: path, inputs: [input], finishOnKey: '#*' });
    await sleep(100);
    input.key('5');
    await sleep(60);
    assert.ok(rec.durationMs >= 120, 'a key not listed ended the recording');
    input.key('#');
    const r = await rec.done;
    assert.equal(r.reason, 'dtmf');
    assert.equal(r.digit, '#');
    assertHeaderMatches(path, (r.durationMs / 1000) * 8000 * 2);
    await done();
  });

  test('finishOnKey through an endpoint: an RFC 4733 key from the peer ends the recording', async (t) => {
    const { engine, done } = engineFor(t);
    const peer = await RtpPeer.open();
    t.after(() => peer.close());
    const ep = await engine.createEndpoint();
    peer.target = ep.port;
    ep.configure(mediaTo(peer.port, { telephoneEventPt: 101 }));
    const path = file('key-rtp');
    const rec = await engine.record({ file: path, inputs: [engine.input(ep, 'in')], finishOnKey: '#' });
    await peer.sendEvent(101, 5);
    await sleep(40);
    assert.equal(rec.durationMs > 0, true);
    await peer.sendEvent(101, 11); // '#'
    const r = await rec.done;
    assert.equal(r.reason, 'dtmf');
    assert.equal(r.digit, '#');
    assert.ok(r.durationMs >= 200, `${r.durationMs} ms`);
    await done();
  });

  test('`before` (a beep) delays the start: the beep is not in the file', async (t) => {
    const { engine, done } = engineFor(t);
    const { peer, ep } = await peerAndEndpoint(t, engine);
    const started = performance.now();
    const beep = ep.play([{ kind: 'tone', tone: 'beep' }]);
    const path = file('beep');
    const rec = await engine.record({
      file: path,
      inputs: [engine.input(ep, 'out')],
      before: beep.done,
      maxLengthMs: 200,
    });
    await sleep(300);
    assert.equal(rec.durationMs, 0, 'recording while the beep plays');
    const r = await rec.done;
    const took = performance.now() - started;
    assert.equal(r.reason, 'max-length');
    assert.equal(r.durationMs, 200);
    assert.ok(took >= 680, `beep and recording over in ${took.toFixed(0)} ms`);
    // The peer heard the beep; the file has what came after it: idle silence.
    assert.ok(toneAmplitude(peer.audio(), 8000, 1000) > 1000);
    const samples = parseWav(readFileSync(path)).samples;
    assert.equal(samples.length, 1600);
    assert.ok(samples.every((v) => v === 0));
    await done();
  });

  test('the header is valid after each flush, and a hangup mid-recording leaves a complete file', async (t) => {
    const { engine, done } = engineFor(t);
    const peer = await RtpPeer.open();
    t.after(() => peer.close());
    const talking = new AbortController();
    t.after(() => talking.abort());
    const ep = await engine.createEndpoint();
    peer.target = ep.port;
    ep.configure(mediaTo(peer.port));
    const path = file('hangup');
    const rec = await engine.record({ file: path, inputs: [engine.input(ep, 'in')] });
    const streaming = peer.stream(sine(600, 8000, 8 * 5000, 7000), { signal: talking.signal });
    await peer.until(() => rec.durationMs >= 1500, 3000, '1.5 s recorded');
    // The first second went to disk at tick 50; the header says so.
    assertHeaderMatches(path, 8000 * 2);
    const mid = parseWav(readFileSync(path));
    assert.equal(mid.samples.length, 8000);
    assert.ok(toneAmplitude(mid.samples.subarray(2000), 8000, 600) > 5000);
    await sleep(170);
    await ep.close();
    talking.abort();
    await streaming;
    const r = await rec.done;
    assert.equal(r.reason, 'hangup');
    const data = assertHeaderMatches(path);
    assert.equal(r.bytes, 44 + data);
    assert.equal(r.durationMs, (data / 2 / 8000) * 1000);
    assert.ok(r.durationMs > 1600 && r.durationMs < 2000, `${r.durationMs} ms`);
    if (hasSox) {
      const s = soxRead(path);
      assert.deepEqual([s.rate, s.channels, s.samples], [8000, 1, data / 2]);
    }
    await done();
  });
});
