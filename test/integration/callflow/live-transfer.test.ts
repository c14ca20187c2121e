/**
 * REST 2.9 transfers of a Dial's legs, end to end: a SIPp caller calls Patchbay, whose
 * document Dials a SIPp callee; `POST /Call/{uuid}/` with legs=bleg gives the callee a
 * document of its own (a call under its DialBLegUUID), with legs=both each leg its own. Both
 * SIPp peers echo what they hear (-rtp_echo), so what a party heard comes back into
 * Patchbay, where a session recording of each call (`<Record recordSession="true">`, left:
 * what the party sends) catches it: the callee's echo of the bleg document's tone proves the
 * callee heard it. The last test has the caller transferred away by REFER (RFC 3515) while
 * its session is recorded: the recording goes on with the new party's tone.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeWav, parseWav } from '../../../src/media/audio/wav.ts';
import type { LocalEndpoint } from '../../../src/media/local/local-endpoint.ts';
import type { LocalMediaEngine } from '../../../src/media/local/local-engine.ts';
import { LocalSdpSession } from '../../../src/sip/sdp/local-sdp-session.ts';
import { UserAgent } from '../../../src/sip/ua/user-agent.ts';
import { rms, sine, toneAmplitude } from '../../helpers/audio.ts';
import { testEngine } from '../../helpers/media-lab.ts';
import { AUTH_ID, AUTH_TOKEN, doc, type Lab, startLab } from '../../helpers/patchbay-lab.ts';
import { restClient } from '../../helpers/rest-client.ts';
import { freePort, runSipp, type SippRun } from '../../helpers/sipp.ts';
import { loopbackOnly } from '../../helpers/test-uas.ts';

const BLOCK = 800; // 100 ms at 8 kHz

/** Per 100 ms block, the tone of `tones` that clearly dominates it, else '.' (quiet or mixed). */
function toneTrack(samples: Int16Array, tones: readonly number[]): string[] {
  const out: string[] = [];
  for (let at = 0; at + BLOCK <= samples.length; at += BLOCK) {
    const block = samples.subarray(at, at + BLOCK);
    if (rms(block) < 300) {
      out.push('.');
      continue;
    }
    const amps = tones.map((f) => ({ f, a: toneAmplitude(block, 8000, f) })).sort((x, y) => y.a - x.a);
    const [best, next] = amps;
    // A sine's amplitude is sqrt(2) times its RMS: the tone must carry most of the block.
    const clear = best && best.a > 0.7 * rms(block) && best.a > 4 * (next?.a ?? 0);
    out.push(clear ? String(best.f) : '.');
  }
  return out;
}

/** Milliseconds of `track` dominated by `tone`. */
const msOf = (track: string[], tone: number): number => track.filter((t) => t === String(tone)).length * 100;

/** Left and right of a stereo recording the lab wrote. */
function stereo(lab: Lab, id: string): { left: Int16Array; right: Int16Array } {
  const wav = parseWav(readFileSync(join(lab.dataDir, 'recordings', `${id}.wav`)));
  assert.equal(wav.channels, 2);
  assert.equal(wav.sampleRate, 8000);
  const n = wav.samples.length / 2;
  const left = new Int16Array(n);
  const right = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    left[i] = wav.samples[2 * i] as number;
    right[i] = wav.samples[2 * i + 1] as number;
  }
  return { left, right };
}

async function sipp(
  scenario: string,
  opts: { remote?: string; service?: string; pauseMs?: number; keys?: Record<string, string> } = {},
): Promise<{ uri: string; run: SippRun }> {
  const port = await freePort();
  const run = runSipp({
    scenario,
    port,
    calls: 1,
    ...(opts.remote ? { remote: opts.remote, service: opts.service ?? '5559000' } : {}),
    ...(opts.pauseMs !== undefined ? { pauseMs: opts.pauseMs } : {}),
    ...(opts.keys ? { keys: opts.keys } : {}),
    extra: ['-mi', '127.0.0.1', '-mp', String(2 * Math.floor((await freePort()) / 2)), '-rtp_echo'],
    timeoutSec: 40,
  });
  await run.ready;
  return { uri: `sip:callee@127.0.0.1:${port}`, run };
}

async function ok(run: SippRun, who: string): Promise<void> {
  const r = await run.done;
  assert.equal(r.code, 0, `${who}: ${r.errors}`);
}

describe('REST transfer of a Dial B-leg (legs=bleg|both), and recordSession across transfers', () => {
  let lab: Lab;

  before(async () => {
    lab = await startLab({ env: { PATCHBAY_ACCEPT_REFER: 'true' } });
    for (const hz of [700, 1000, 1400, 1600]) {
      lab.hooks.route(`/tone-${hz}.wav`, () => ({
        contentType: 'audio/wav',
        body: encodeWav(sine(hz, 8000, 8000 * 3, 12000), 8000),
      }));
    }
    for (const path of ['/dial-cb', '/a-rec', '/b-rec', '/rec'])
      lab.hooks.route(path, () => ({ status: 200, body: '' }));
  });
  after(async () => {
    await lab?.close();
  });

  const api = restClient(() => lab.pb.http.origin, AUTH_ID, AUTH_TOKEN);

  /** Polls until `cond` holds (the store is told a moment after the webhooks). */
  async function until(cond: () => Promise<boolean>, what: string, ms = 5000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > end) assert.fail(`not in time: ${what}`);
      await sleep(50);
    }
  }

  const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

  async function liveUuids(): Promise<string[]> {
    const res = await api('GET', '/Call/?status=live');
    assert.equal(res.status, 200);
    return res.json.calls as string[];
  }

  /** The caller's document: its session recorded, then a Dial of `callee`, then `rest`. */
  const dialDoc = (callee: string, rest = '') =>
    doc(
      `<Record recordSession="true" action="${lab.hooks.url('/a-rec')}" redirect="false"/>` +
        `<Dial action="${lab.hooks.url('/dial-action')}" callbackUrl="${lab.hooks.url('/dial-cb')}"><User>${callee}</User></Dial>` +
        rest,
    );

  /** A SIPp caller Dialed through to a SIPp callee: resolves once connected, with both UUIDs. */
  async function connectedCall(
    rest = '',
  ): Promise<{ a: string; b: string; calleeUri: string; caller: SippRun; callee: SippRun }> {
    const callee = await sipp('uas-answer.xml');
    const connected = (r: { params: Record<string, string> }) => r.params.DialAction === 'connected';
    const seen = new Set(
      lab.hooks
        .requestsTo('/dial-cb')
        .filter(connected)
        .map((r) => r.params.CallUUID),
    );
    lab.hooks.xml('/answer', dialDoc(callee.uri, rest));
    const caller = await sipp('uac-invite-await-bye.xml', { remote: lab.sip });
    const cb = await lab.hooks.waitFor('/dial-cb', {
      timeoutMs: 8000,
      where: (r) => connected(r) && !seen.has(r.params.CallUUID),
    });
    return {
      a: cb.params.CallUUID as string,
      b: cb.params.DialBLegUUID as string,
      calleeUri: callee.uri,
      caller: caller.run,
      callee: callee.run,
    };
  }

  test('legs=bleg: the callee runs bleg_url as a call of its own; the caller goes on after its Dial', async () => {
    lab.hooks.xml('/dial-action', doc(`<Play>${lab.hooks.url('/tone-700.wav')}</Play><Hangup/>`));
    lab.hooks.xml(
      '/b-doc',
      doc(
        `<Record recordSession="true" action="${lab.hooks.url('/b-rec')}" redirect="false"/>` +
          `<Play>${lab.hooks.url('/tone-1400.wav')}</Play><Wait length="30"/>`,
      ),
    );
    const { a, b, calleeUri, caller, callee } = await connectedCall();
    assert.notEqual(a, b);
    const answer = lab.hooks.requestsTo('/answer').find((r) => r.params.CallUUID === a);
    assert.deepEqual(await liveUuids(), [a], 'the B-leg is no call of its own while bridged');
    await sleep(500);

    const moved = await api('POST', `/Call/${a}/`, { legs: 'bleg', bleg_url: lab.hooks.url('/b-doc') });
    assert.equal(moved.status, 202, JSON.stringify(moved.json));
    assert.equal(moved.json.message, 'call transferred');
    assert.equal(moved.json.call_uuid, a);

    // The B-leg's document is asked for under the DialBLegUUID, as an outbound call.
    const bDoc = await lab.hooks.waitFor('/b-doc', { where: (r) => r.params.CallUUID === b });
    assert.equal(bDoc.params.Direction, 'outbound');
    assert.equal(bDoc.params.CallStatus, 'in-progress');
    assert.equal(bDoc.params.From, answer?.params.From);
    assert.equal(bDoc.params.To, calleeUri);
    assert.equal(bDoc.signatureValid, true);
    // The caller's Dial ended as a bridge that ended normally, taken away by the API.
    const action = await lab.hooks.waitFor('/dial-action', { where: (r) => r.params.CallUUID === a });
    assert.equal(action.params.DialStatus, 'completed');
    assert.equal(action.params.DialBLegUUID, b);
    assert.equal(action.params.DialALegUUID, a);
    assert.equal(action.params.DialHangupCause, 'NORMAL_CLEARING');
    const hangupCb = await lab.hooks.waitFor('/dial-cb', {
      where: (r) => r.params.CallUUID === a && r.params.DialAction === 'hangup',
    });
    assert.equal(hangupCb.params.DialBLegHangupSource, 'API Request');
    assert.equal(hangupCb.params.DialBLegHangupCauseCode, '4000');
    assert.deepEqual((await liveUuids()).sort(), [a, b].sort(), 'both legs are live calls now');
    const bLive = await api('GET', `/Call/${b}/?status=live`);
    assert.equal(bLive.status, 200);
    assert.equal(bLive.json.direction, 'outbound');
    assert.equal(bLive.json.call_uuid, b);

    // The caller hears its own document out (700 Hz for 3 s, then Hangup) and is gone.
    const aHangup = await lab.hooks.waitFor('/hangup', {
      where: (r) => r.params.CallUUID === a,
      timeoutMs: 8000,
    });
    assert.equal(aHangup.params.HangupSource, 'Answer XML');
    await ok(caller, 'caller');
    await until(async () => sameSet(await liveUuids(), [b]), 'the B-leg call outlives the caller');
    // The callee's 1400 Hz has played; the API hangs the B-leg call up.
    await sleep(1000);
    assert.equal((await api('DELETE', `/Call/${b}/`)).status, 204);
    const bHangup = await lab.hooks.waitFor('/hangup', { where: (r) => r.params.CallUUID === b });
    assert.equal(bHangup.params.HangupSource, 'API Request');
    assert.equal(bHangup.params.Direction, 'outbound');
    await ok(callee, 'callee');
    const aRec = await lab.hooks.waitFor('/a-rec', { where: (r) => r.params.CallUUID === a });
    const bRec = await lab.hooks.waitFor('/b-rec', { where: (r) => r.params.CallUUID === b });
    await lab.assertIdle();
    await until(async () => (await liveUuids()).length === 0, 'no live calls');
    assert.equal(
      lab.hooks.requestsTo('/hangup').filter((r) => r.params.CallUUID === a).length,
      1,
      "the A-leg's hangup URL is told once",
    );

    // CDRs for both; the B-leg's names the call it was Dialed from.
    const aCdr = await api('GET', `/Call/${a}/`);
    const bCdr = await api('GET', `/Call/${b}/`);
    assert.equal(aCdr.status, 200);
    assert.equal(bCdr.status, 200);
    assert.equal(bCdr.json.call_direction, 'outbound');
    assert.equal(bCdr.json.hangup_source, 'API Request');
    assert.equal(bCdr.json.parent_call_uuid, a);

    const tones = [700, 1400];
    // The callee heard the bleg document's 1400 Hz (its echo is on the left), never the caller's 700.
    const bWav = stereo(lab, bRec.params.RecordingID);
    const bHeard = toneTrack(bWav.left, tones);
    assert.ok(msOf(bHeard, 1400) >= 1500, `callee echo: ${bHeard.join(' ')}`);
    assert.equal(msOf(bHeard, 700), 0, `callee echo: ${bHeard.join(' ')}`);
    // The caller heard its own 700 Hz after the Dial, never the callee's document.
    const aWav = stereo(lab, aRec.params.RecordingID);
    const aHeard = toneTrack(aWav.left, tones);
    assert.ok(msOf(aHeard, 700) >= 1500, `caller echo: ${aHeard.join(' ')}`);
    assert.equal(msOf(aHeard, 1400), 0, `caller echo: ${aHeard.join(' ')}`);
  });

  test('legs=both: each leg runs its own document, no longer bridged; recordSession spans the transfer', async () => {
    lab.hooks.xml('/a-moved', doc(`<Play>${lab.hooks.url('/tone-700.wav')}</Play><Hangup/>`));
    lab.hooks.xml(
      '/b-moved',
      doc(
        `<Record recordSession="true" action="${lab.hooks.url('/b-rec')}" redirect="false"/>` +
          `<Play>${lab.hooks.url('/tone-1400.wav')}</Play><Hangup/>`,
      ),
    );
    const { a, b, caller, callee } = await connectedCall('<Speak>not reached</Speak>');
    await sleep(1000);
    const bad = await api('POST', `/Call/${a}/`, { legs: 'both', aleg_url: lab.hooks.url('/a-moved') });
    assert.equal(bad.status, 400, 'bleg_url is needed for both');
    const transferAt = Date.now();
    const moved = await api('POST', `/Call/${a}/`, {
      legs: 'both',
      aleg_url: lab.hooks.url('/a-moved'),
      bleg_url: lab.hooks.url('/b-moved'),
      bleg_method: 'GET',
    });
    assert.equal(moved.status, 202, JSON.stringify(moved.json));
    const aMoved = await lab.hooks.waitFor('/a-moved', { where: (r) => r.params.CallUUID === a });
    const bMoved = await lab.hooks.waitFor('/b-moved', { where: (r) => r.params.CallUUID === b });
    assert.equal(bMoved.method, 'GET');
    assert.equal(aMoved.params.CallStatus, 'in-progress');
    // The Dial's action only hears how it ended: the A-leg runs aleg_url, not the action's answer.
    const action = await lab.hooks.waitFor('/dial-action', { where: (r) => r.params.CallUUID === a });
    assert.equal(action.params.DialStatus, 'completed');
    assert.equal(action.params.DialBLegUUID, b);
    await Promise.all([ok(caller, 'caller'), ok(callee, 'callee')]);
    const aHangup = await lab.hooks.waitFor('/hangup', { where: (r) => r.params.CallUUID === a });
    const bHangup = await lab.hooks.waitFor('/hangup', { where: (r) => r.params.CallUUID === b });
    assert.equal(aHangup.params.HangupSource, 'Answer XML');
    assert.equal(bHangup.params.HangupSource, 'Answer XML');
    const aRec = await lab.hooks.waitFor('/a-rec', { where: (r) => r.params.CallUUID === a });
    const bRec = await lab.hooks.waitFor('/b-rec', { where: (r) => r.params.CallUUID === b });
    await lab.assertIdle();
    assert.equal(lab.hooks.requestsTo('/hangup').filter((r) => r.params.CallUUID === a).length, 1);
    assert.equal((await api('GET', `/Call/${b}/`)).status, 200, 'a CDR for the B-leg call');
    assert.equal((await api('GET', `/Call/${a}/`)).status, 200, 'a CDR for the A-leg call');

    const tones = [700, 1400];
    const aWav = stereo(lab, aRec.params.RecordingID);
    // Started before the Dial, the caller's session recording went on through the transfer.
    assert.ok(Number(aRec.params.RecordingStartMs) < transferAt - 800, 'recorded from before the transfer');
    assert.ok(Number(aRec.params.RecordingEndMs) > transferAt + 2500, 'and on after it, to the hangup');
    const aHeard = toneTrack(aWav.left, tones);
    assert.ok(msOf(aHeard, 700) >= 1500, `caller echo: ${aHeard.join(' ')}`);
    assert.equal(msOf(aHeard, 1400), 0, `caller echo: ${aHeard.join(' ')}`);
    const bHeard = toneTrack(stereo(lab, bRec.params.RecordingID).left, tones);
    assert.ok(msOf(bHeard, 1400) >= 1500, `callee echo: ${bHeard.join(' ')}`);
    assert.equal(msOf(bHeard, 700), 0, `callee echo: ${bHeard.join(' ')}`);
  });

  test('refusals: no connected B-leg is a 400, an unknown call a 404; a failing bleg_url ends the B-leg (7013)', async () => {
    // A call with no Dial: nothing to give bleg_url to.
    lab.hooks.xml('/answer', doc('<Speak>Please hold.</Speak><Wait length="20"/>'));
    const lone = await sipp('uac-invite-await-bye.xml', { remote: lab.sip });
    const start = await lab.hooks.waitFor('/answer', {
      count: lab.hooks.requestsTo('/answer').length + 1,
      timeoutMs: 8000,
    });
    const uuid = start.params.CallUUID as string;
    await until(async () => (await api('GET', `/Call/${uuid}/?status=live`)).status === 200, 'answered');
    const none = await api('POST', `/Call/${uuid}/`, { legs: 'bleg', bleg_url: lab.hooks.url('/b-doc') });
    assert.equal(none.status, 400);
    assert.match(JSON.stringify(none.json), /no connected B-leg/);
    assert.equal((await api('POST', `/Call/${uuid}/`, { legs: 'bleg' })).status, 400, 'bleg_url is needed');
    const unknown = await api('POST', '/Call/00000000-0000-4000-8000-000000000000/', {
      legs: 'bleg',
      bleg_url: lab.hooks.url('/b-doc'),
    });
    assert.equal(unknown.status, 404);
    assert.equal((await api('DELETE', `/Call/${uuid}/`)).status, 204);
    await ok(lone.run, 'lone caller');
    await lab.assertIdle();

    // A bleg_url that answers 500: the B-leg ends with 7013, the caller's document goes on.
    lab.hooks.route('/b-broken', () => ({ status: 500, body: 'no' }));
    lab.hooks.xml('/dial-action', doc('<Speak>Goodbye.</Speak><Hangup/>'));
    const { a, b, caller, callee } = await connectedCall();
    assert.equal(
      (await api('POST', `/Call/${a}/`, { legs: 'bleg', bleg_url: lab.hooks.url('/b-broken') })).status,
      202,
    );
    const bHangup = await lab.hooks.waitFor('/hangup', {
      where: (r) => r.params.CallUUID === b,
      timeoutMs: 15_000,
    });
    assert.equal(bHangup.params.HangupCauseCode, '7013');
    assert.equal(bHangup.params.HangupSource, 'Error');
    await lab.hooks.waitFor('/dial-action', { where: (r) => r.params.CallUUID === a });
    await Promise.all([ok(caller, 'caller'), ok(callee, 'callee')]);
    await lab.hooks.waitFor('/hangup', { where: (r) => r.params.CallUUID === a });
    await lab.assertIdle();
    assert.equal((await api('GET', `/Call/${b}/`)).json.hangup_cause_code, 7013);
  });

  describe('recordSession follows the caller replaced by a REFER', () => {
    let ua: UserAgent;
    let engine: LocalMediaEngine;
    const endpoints: LocalEndpoint[] = [];

    before(async () => {
      ua = await UserAgent.start({ listen: ['udp:127.0.0.1:0'], egress: loopbackOnly });
      engine = testEngine();
      // Two parties on our own UA: `bob` says 1000 Hz, `carol` 1600 Hz, for as long as they are up.
      ua.onInvite(async (req, uas) => {
        const endpoint = await engine.createEndpoint();
        endpoints.push(endpoint);
        const sdp = new LocalSdpSession({ address: '127.0.0.1' });
        const { sdp: answer, media } = sdp.createAnswer(req.body, endpoint.capabilities());
        endpoint.configure(media);
        const dialog = await uas.accept({ body: answer });
        const hz = req.uri.user === 'carol' ? 1600 : 1000;
        endpoint.play([{ kind: 'pcm', samples: sine(hz, 8000, 8000 * 30, 10000) }]);
        dialog.once('destroy', () => void endpoint.close());
      });
    });
    after(async () => {
      for (const e of endpoints) await e.close();
      await ua?.close();
      await engine?.close();
    });

    test("the caller REFERs to carol: recordSession and an API recording carry carol's tone after the transfer", async () => {
      const port = ua.listening[0]?.port;
      const bob = `sip:bob@127.0.0.1:${port}`;
      const carol = `sip:carol@127.0.0.1:${port}`;
      lab.hooks.xml(
        '/answer',
        doc(
          `<Record recordSession="true" action="${lab.hooks.url('/rec')}" redirect="false"/>` +
            `<Dial action="${lab.hooks.url('/dial-cb')}"><User>${bob}</User></Dial>`,
        ),
      );
      const n = lab.hooks.requestsTo('/answer').length;
      // The caller echoes bob for 2 s (so 1000 Hz is on the left), then REFERs to carol.
      const caller = await sipp('../callflow/sipp/uac-refer-until-final.xml', {
        remote: lab.sip,
        pauseMs: 2000,
        keys: { referto: carol },
      });
      const start = await lab.hooks.waitFor('/answer', { count: n + 1, timeoutMs: 8000 });
      const uuid = start.params.CallUUID as string;
      // A live recording through the API too (REST 3.4), stereo like the session's.
      await until(async () => (await api('GET', `/Call/${uuid}/?status=live`)).status === 200, 'answered');
      const live = await api('POST', `/Call/${uuid}/Record/`, {
        file_format: 'wav',
        record_channel_type: 'stereo',
        callback_url: lab.hooks.url('/rec'),
      });
      assert.equal(live.status, 200, JSON.stringify(live.json));
      await ok(caller.run, 'caller (REFER, NOTIFYs up to 200, then BYE)');
      // carol now talks to bob in the caller's place; the recording keeps going.
      await sleep(2500);
      assert.deepEqual(await liveUuids(), [uuid], 'the call is up, with carol');
      assert.equal((await api('DELETE', `/Call/${uuid}/`)).status, 204);
      const rec = await lab.hooks.waitFor('/rec', { where: (r) => r.params.CallUUID === uuid });
      assert.equal(rec.params.RecordingEndReason, 'HungUp');
      const liveRec = await lab.hooks.waitFor('/rec', { where: (r) => r.params.call_uuid === uuid });
      await lab.assertIdle();
      const tones = [1000, 1600];
      for (const [what, id, minBob] of [
        ['recordSession', rec.params.RecordingID, 1000],
        ['API recording', liveRec.params.recording_id, 500],
      ] as const) {
        const wav = stereo(lab, id as string);
        const said = toneTrack(wav.left, tones);
        const text = `${what}, left: ${said.join(' ')}`;
        // Left: the caller's echo of bob, then carol; without following, silence after the caller left.
        assert.ok(msOf(said, 1000) >= minBob, text);
        assert.ok(msOf(said, 1600) >= 1500, text);
        assert.ok(said.indexOf('1000') < said.indexOf('1600'), text);
        assert.equal(said.slice(said.indexOf('1600') + 3).filter((t) => t === '1000').length, 0, text);
        // Right: what the caller's side heard, bob all along.
        const heard = toneTrack(wav.right, tones);
        assert.ok(msOf(heard, 1000) >= 3000, `${what}, right: ${heard.join(' ')}`);
        assert.equal(msOf(heard, 1600), 0, `${what}, right: ${heard.join(' ')}`);
      }
    });
  });
});
