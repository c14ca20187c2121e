/**
 * LocalConference with three raw RTP peers on loopback, each talking its own tone: who hears
 * what is read off the frequencies in the audio each peer receives.
 */
import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import type { LocalEndpoint } from '../../../../src/media/local/local-endpoint.ts';
import type { ConferenceMember, MediaConference } from '../../../../src/media/media-engine.ts';
import { sine, toneAmplitude } from '../../../helpers/audio.ts';
import { assertRangeFree, mediaTo, RtpPeer, sleep, testEngine } from '../../../helpers/media-lab.ts';

/** Each member's voice. */
const TONES = [500, 800, 1300];
/** What the room plays. */
const ROOM_HZ = 2000;
/** Peak amplitude of each voice. */
const LEVEL = 4000;
/** A voice counts as heard above this amplitude, as absent below ABSENT. */
const HEARD = LEVEL * 0.5;
const ABSENT = LEVEL * 0.03;
/** How long each phase lasts, and how much of its start is left out (the mixer's FIFOs refill). */
const PHASE_MS = 400;
const SETTLE_MS = 100;

interface Room {
  conference: MediaConference;
  members: ConferenceMember[];
  peers: RtpPeer[];
  endpoints: LocalEndpoint[];
  /** Audio each peer received between `from` and `to` (performance.now()). */
  heard(peer: number, from: number, to: number): Int16Array;
  /** Runs a phase of PHASE_MS and returns its analysis window. */
  phase(): Promise<[number, number]>;
  done(): Promise<void>;
}

async function room(t: TestContext): Promise<Room> {
  const engine = testEngine();
  const range = engine.ports;
  const talking = new AbortController();
  const peers = await Promise.all(TONES.map(() => RtpPeer.open()));
  let streams: Promise<unknown> = Promise.resolve();
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      talking.abort();
      await streams;
      await engine.close();
      await Promise.all(peers.map((p) => p.close()));
    })();
    return closing;
  };
  t.after(close);
  const endpoints: LocalEndpoint[] = [];
  for (const peer of peers) {
    const ep = await engine.createEndpoint();
    peer.target = ep.port;
    ep.configure(mediaTo(peer.port));
    endpoints.push(ep);
  }
  const conference = engine.createConference();
  const members = endpoints.map((ep) => conference.join(ep));
  assert.equal(conference.size, 3);
  streams = Promise.all(
    peers.map((p, i) =>
      p.stream(sine(TONES[i] as number, 8000, 8 * 20_000, LEVEL), { signal: talking.signal }),
    ),
  );
  await sleep(SETTLE_MS);
  return {
    conference,
    members,
    peers,
    endpoints,
    heard: (i, from, to) => {
      const peer = peers[i] as RtpPeer;
      return peer.audio(peer.rtp.filter((p) => p.at >= from && p.at < to));
    },
    phase: async () => {
      const start = performance.now();
      await sleep(PHASE_MS);
      return [start + SETTLE_MS, performance.now()];
    },
    done: async () => {
      await close();
      assert.equal(engine.stats().conferences, 0);
      await assertRangeFree(range);
    },
  };
}

/** Asserts which of `freqs` are in `audio` (amplitude above HEARD) and which are not (below ABSENT). */
function assertHears(audio: Int16Array, present: number[], absent: number[], who: string): void {
  assert.ok(audio.length >= 8 * 200, `${who}: only ${audio.length} samples`);
  for (const f of present) {
    const a = toneAmplitude(audio, 8000, f);
    assert.ok(a > HEARD, `${who} should hear ${f} Hz: amplitude ${a.toFixed(0)}`);
  }
  for (const f of absent) {
    const a = toneAmplitude(audio, 8000, f);
    assert.ok(a < ABSENT, `${who} should not hear ${f} Hz: amplitude ${a.toFixed(0)}`);
  }
}

const others = (i: number) => TONES.filter((_, k) => k !== i);

describe('LocalConference', () => {
  test('each member hears the other two but not itself; the tap hears all; mute and deaf', async (t) => {
    const r = await room(t);
    const mixed: Int16Array[] = [];
    const stopTap = r.conference.onAudio((pcm) => mixed.push(pcm.slice()));
    // Joining again is the same membership, not a second voice.
    assert.ok(r.conference.join(r.endpoints[0] as LocalEndpoint) === r.members[0], 'a second membership');
    assert.equal(r.conference.size, 3);

    let [from, to] = await r.phase();
    for (let i = 0; i < 3; i++)
      assertHears(r.heard(i, from, to), others(i), [TONES[i] as number], `member ${i}`);
    stopTap();
    const tap = Int16Array.from(mixed.slice(-15).flatMap((f) => [...f]));
    assertHears(tap, TONES, [], 'the room tap');

    const [m0, m1, m2] = r.members as [ConferenceMember, ConferenceMember, ConferenceMember];
    m1.muted = true;
    [from, to] = await r.phase();
    assertHears(
      r.heard(0, from, to),
      [TONES[2] as number],
      [TONES[0] as number, TONES[1] as number],
      'with 1 muted, 0',
    );
    assertHears(
      r.heard(2, from, to),
      [TONES[0] as number],
      [TONES[1] as number, TONES[2] as number],
      'with 1 muted, 2',
    );
    assertHears(r.heard(1, from, to), others(1), [TONES[1] as number], 'muted 1');

    m1.muted = false;
    m2.deaf = true;
    [from, to] = await r.phase();
    const deaf = (r.peers[2] as RtpPeer).rtp.filter((p) => p.at >= from && p.at < to);
    assert.ok(deaf.length >= 10, 'a deaf member still gets packets');
    assert.ok(
      deaf.every((p) => p.payload.every((b) => b === 0xff)),
      'a deaf member hears something',
    );
    assertHears(r.heard(0, from, to), others(0), [TONES[0] as number], 'with 2 deaf, 0');
    assertHears(r.heard(1, from, to), others(1), [TONES[1] as number], 'with 2 deaf, 1');
    assert.equal(m0.muted || m0.deaf, false);
    await r.done();
  });

  test('play() is heard by every member; remove() takes a member out both ways; destroy()', async (t) => {
    const r = await room(t);
    const prompt = sine(ROOM_HZ, 8000, 8 * 600, LEVEL);
    const playing = r.conference.play([{ kind: 'pcm', samples: prompt }]);
    let [from, to] = await r.phase();
    for (let i = 0; i < 3; i++) {
      assertHears(
        r.heard(i, from, to),
        [...others(i), ROOM_HZ],
        [TONES[i] as number],
        `member ${i} with the room playing`,
      );
    }
    const played = await playing.done;
    assert.equal(played.reason, 'finished');
    assert.equal(played.playedMs, 600);

    (r.members[0] as ConferenceMember).remove();
    assert.equal(r.conference.size, 2);
    [from, to] = await r.phase();
    for (const i of [1, 2]) {
      assertHears(
        r.heard(i, from, to),
        others(i).filter((f) => f !== TONES[0]),
        [TONES[0] as number, TONES[i] as number, ROOM_HZ],
        `member ${i}`,
      );
    }
    // Out of the room, the endpoint is back on its own idle silence.
    const out = (r.peers[0] as RtpPeer).rtp.filter((p) => p.at >= from && p.at < to);
    assert.ok(out.length >= 10);
    assert.ok(out.every((p) => p.payload.every((b) => b === 0xff)));

    r.conference.destroy();
    assert.equal(r.conference.size, 0);
    [from, to] = await r.phase();
    for (const i of [1, 2]) {
      const got = (r.peers[i] as RtpPeer).rtp.filter((p) => p.at >= from && p.at < to);
      assert.ok(
        got.length >= 10 && got.every((p) => p.payload.every((b) => b === 0xff)),
        `member ${i} after destroy()`,
      );
    }
    await r.done();
  });
});
