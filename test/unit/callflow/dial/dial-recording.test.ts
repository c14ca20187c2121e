/**
 * A Dial's recording follows a party across a transfer: on the real LocalMediaEngine, three
 * raw RTP peers on loopback (A 440 Hz, B 1000 Hz, C 1500 Hz); C takes B's place half way, B's
 * endpoint closes, and the right channel goes on with C.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { RecordVerb } from '../../../../schemas/xml/index.ts';
import { parseVobizXml } from '../../../../src/callflow/parser/parse-vobiz-xml.ts';
import { recordOnDialAnswer } from '../../../../src/callflow/record-session.ts';
import { parseWav } from '../../../../src/media/audio/wav.ts';
import type { LocalEndpoint } from '../../../../src/media/local/local-endpoint.ts';
import { sine, toneAmplitude } from '../../../helpers/audio.ts';
import { fakeVerbContext } from '../../../helpers/fake-verb-context.ts';
import { assertRangeFree, mediaTo, RtpPeer, sleep, testEngine } from '../../../helpers/media-lab.ts';

const dir = mkdtempSync(join(tmpdir(), 'patchbay-dial-recording-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function recordVerb(): RecordVerb {
  const r = parseVobizXml(
    '<Response><Record action="https://app.test/recorded" fileFormat="wav" startOnDialAnswer="true"/></Response>',
  );
  if (!r.ok) assert.fail(JSON.stringify(r.errors));
  return r.document.verbs[0] as RecordVerb;
}

test('recordOnDialAnswer: follow() moves a channel to the new party; the old leg closing does not end it', async (t) => {
  const engine = testEngine();
  const range = engine.ports;
  const stop = new AbortController();
  const streams: Array<Promise<void>> = [];
  const peers: RtpPeer[] = [];
  t.after(async () => {
    stop.abort();
    await Promise.all(streams);
    await engine.close();
    await Promise.all(peers.map((p) => p.close()));
  });
  /** An endpoint whose raw peer says `hz` for 3 s. */
  const party = async (hz: number): Promise<LocalEndpoint> => {
    const peer = await RtpPeer.open();
    peers.push(peer);
    const ep = await engine.createEndpoint();
    peer.target = ep.port;
    ep.configure(mediaTo(peer.port));
    streams.push(peer.stream(sine(hz, 8000, 3 * 8000, 8000), { signal: stop.signal }));
    return ep;
  };
  const a = await party(440);
  const b = await party(1000);
  const c = await party(1500);
  const ctx = fakeVerbContext({ endpoint: a, engine, recordingsDir: dir });
  const bridgeOver = new AbortController();
  const recording = recordOnDialAnswer(recordVerb(), { a, b }, ctx, bridgeOver.signal);
  await sleep(800);
  recording.follow('b', c);
  await b.close(); // the transferor's leg is released
  await sleep(800);
  bridgeOver.abort();
  await ctx.settle();

  const done = ctx.notifications.find((n) => n.url === 'https://app.test/recorded');
  assert.equal(done?.extra.RecordingEndReason, 'HungUp');
  const wav = parseWav(readFileSync(ctx.recordingTargets[0]?.file ?? ''));
  assert.equal(wav.channels, 2);
  const n = wav.samples.length / 2;
  assert.ok(n >= 1.4 * 8000, `${n / 8} ms recorded: it went on after B's endpoint closed`);
  const channel = (c: 0 | 1, from: number, to: number) => {
    const out = new Int16Array(to - from);
    for (let i = from; i < to; i++) out[i - from] = wav.samples[2 * i + c] as number;
    return out;
  };
  // 200 ms of margin either side of the switch.
  const firstHalf = channel(1, 0, 0.6 * 8000);
  const secondHalf = channel(1, 1.0 * 8000, n);
  assert.ok(toneAmplitude(firstHalf, 8000, 1000) > 2000, 'B on the right before the transfer');
  assert.ok(toneAmplitude(firstHalf, 8000, 1500) < 100, 'not C before the transfer');
  assert.ok(toneAmplitude(secondHalf, 8000, 1500) > 2000, 'C on the right after the transfer');
  assert.ok(toneAmplitude(secondHalf, 8000, 1000) < 100, 'not B after the transfer');
  const left = channel(0, 0, n);
  assert.ok(toneAmplitude(left, 8000, 440) > 2000, 'A on the left all along');
  assert.ok(toneAmplitude(left, 8000, 1500) < 100 && toneAmplitude(left, 8000, 1000) < 100);
  stop.abort();
  await Promise.all(streams);
  await engine.close();
  await assertRangeFree(range);
});
