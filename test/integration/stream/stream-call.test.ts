/**
 * `<Stream>` end to end (issue 7, Proof): baresip calls Patchbay with a known microphone
 * signal; the document forks it to WebSocket servers in the test, one per format, plus an
 * observer of what Patchbay sends to the caller, and a bidirectional agent that plays a
 * tone with a checkpoint, barges in with clearAudio, collects DTMF and stops the stream.
 * Needs baresip and sox; skipped with the reason when they are missing.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeWav, parseWav } from '../../../src/media/audio/wav.ts';
import { rms } from '../../helpers/audio.ts';
import { type Baresip, baresipSkipReason, startBaresip } from '../../helpers/baresip.ts';
import { AUTH_ID, doc, type Lab, startLab } from '../../helpers/patchbay-lab.ts';
import { type AppConnection, WsApp } from '../../unit/media/stream/ws-app.ts';
import { caller, locate, toneArrivals, toneChunks, toneFrames, trackAudio } from './stream-audio.ts';

const skip = baresipSkipReason();
const MIC = caller(16);

describe('Stream with baresip calling in', { skip }, () => {
  let lab: Lab;
  let app: WsApp;
  const phones: Baresip[] = [];

  before(async () => {
    lab = await startLab();
    app = await WsApp.start();
    lab.hooks.route('/status', () => ({ status: 200 }));
    lab.hooks.route('/rec', () => ({ status: 200 }));
  });
  after(async () => {
    await Promise.all(phones.map((p) => p.cleanup()));
    await app?.close();
    await lab?.close();
  });

  async function phone(micWav?: string): Promise<Baresip> {
    const p = await startBaresip({
      name: `caller${phones.length}`,
      answer: 'auto',
      ...(micWav ? { micWav } : {}),
    });
    phones.push(p);
    return p;
  }

  test('media out, formats, playAudio + checkpoint, clearAudio, DTMF, stop, with Record', async () => {
    const micFile = join(lab.dataDir, 'mic.wav');
    writeFileSync(micFile, encodeWav(MIC, 8000));
    const p = await phone(micFile);
    const marks: Record<string, number> = {};
    // The agent: a tone and a checkpoint at 1 s, a clip cut by clearAudio, then stop at 6 s.
    app.onConnection = (c) => {
      if (c.path !== '/agent') return;
      void (async () => {
        const start = (await c.waitFor('start')).msg;
        const streamId = start.start.streamId;
        await sleep(1000);
        for (const payload of toneChunks(1000, 1000, 16000))
          c.send({ event: 'playAudio', media: { contentType: 'audio/x-l16', sampleRate: 16000, payload } });
        c.send({ event: 'checkpoint', streamId, name: 'tone' });
        await c.waitFor('playedStream', 0, 5000);
        await sleep(300);
        for (const payload of toneChunks(600, 2000, 16000))
          c.send({
            event: 'playAudio',
            streamId,
            media: { contentType: 'audio/x-l16', sampleRate: 16000, payload },
          });
        c.send({ event: 'checkpoint', streamId, name: 'cut' });
        await sleep(500);
        marks.clear = performance.now();
        c.send({ event: 'clearAudio', streamId });
        await c.waitFor('clearedAudio');
        await c.waitFor('dtmf', 2, 6000);
        while (c.of('media').length < 300) await sleep(20);
        c.send({ event: 'stop', streamId });
      })().catch((err) => {
        marks.agentError = 1;
        console.error('agent failed', err);
      });
    };
    const answers = lab.hooks.requestsTo('/answer').length;
    const hangups = lab.hooks.requestsTo('/hangup').length;
    lab.hooks.xml(
      '/answer',
      doc(
        `<Record action="${lab.hooks.url('/rec')}" recordSession="true" redirect="false" fileFormat="wav"/>` +
          `<Stream contentType="audio/x-mulaw;rate=8000">${app.url('/mulaw')}</Stream>` +
          `<Stream contentType="audio/x-l16;rate=24000">${app.url('/l16-24k')}</Stream>` +
          `<Stream audioTrack="outbound">${app.url('/observer')}</Stream>` +
          `<Stream bidirectional="true" keepCallAlive="true" contentType="audio/x-l16;rate=16000" extraHeaders="agent=t1,lang=en" statusCallbackUrl="${lab.hooks.url('/status')}">${app.url('/agent')}</Stream>` +
          `<Redirect>${lab.hooks.url('/after')}</Redirect>`,
      ),
    );
    lab.hooks.xml('/after', doc('<Hangup/>'));
    const conns = app.connections.length;
    try {
      await p.dial(`sip:agent@${lab.sip}`);
      await p.waitEvent('CALL_ESTABLISHED', 5000);
      const agent = await waitPath(app, '/agent', conns);
      await agent.waitFor('clearedAudio', 0, 8000);
      await sleep(200);
      await p.sendDtmf('12#');
      await lab.hooks.waitFor('/after', { timeoutMs: 10000 });
      await p.waitEvent('CALL_CLOSED', 5000);
      const hangup = await lab.hooks.waitFor('/hangup', { count: hangups + 1 });
      await p.stop();
      assert.equal(marks.agentError, undefined);
      const callUuid = lab.hooks.requestsTo('/answer')[answers]?.params.CallUUID;
      assert.equal(hangup.params.HangupSource, 'Answer XML', 'the Redirect after the Stream ran: <Hangup/>');

      // start: fields and headers.
      const start = agent.of('start')[0]?.msg;
      assert.equal(start.sequenceNumber, 0);
      assert.equal(start.start.callId, callUuid);
      assert.match(start.start.streamId, /^[0-9a-f-]{36}$/);
      assert.equal(start.start.accountId, AUTH_ID);
      assert.deepEqual(start.start.tracks, ['inbound']);
      assert.deepEqual(start.start.mediaFormat, { encoding: 'audio/x-l16', sampleRate: 16000 });
      assert.equal(start.extra_headers, '{"agent":"t1","lang":"en"}');
      assert.equal(agent.headers.agent, 't1');
      assert.equal(agent.headers.lang, 'en');

      // media: 50 frames per second (± 2 in every whole second), no gaps, 640 bytes each.
      const media = agent.of('media');
      assert.ok(media.length >= 300, `${media.length} frames`);
      const chunks = media.map((m) => m.msg.media.chunk);
      assert.deepEqual(
        chunks,
        chunks.map((_, i) => i + 1),
        'chunk numbers without a gap',
      );
      const t0 = media[0]?.at ?? 0;
      const seconds = Math.floor(((media.at(-1)?.at ?? 0) - t0) / 1000);
      assert.ok(seconds >= 5);
      for (let s = 0; s < seconds; s++) {
        const n = media.filter((m) => m.at >= t0 + s * 1000 && m.at < t0 + (s + 1) * 1000).length;
        assert.ok(Math.abs(n - 50) <= 2, `second ${s}: ${n} frames`);
      }
      const gaps = media.slice(1).map((m, i) => m.at - (media[i]?.at ?? 0));
      assert.ok(Math.max(...gaps) < 80, `longest gap between frames ${Math.max(...gaps).toFixed(1)} ms`);
      for (const m of media) assert.equal(Buffer.from(m.msg.media.payload, 'base64').length, 640);

      // Every format carries the caller's audio, in order (big-endian L16 / µ-law).
      const formats = [
        { conn: agent, format: { encoding: 'audio/x-l16', sampleRate: 16000 } as const, bytes: 640 },
        {
          conn: await waitPath(app, '/mulaw', conns),
          format: { encoding: 'audio/x-mulaw', sampleRate: 8000 } as const,
          bytes: 160,
        },
        {
          conn: await waitPath(app, '/l16-24k', conns),
          format: { encoding: 'audio/x-l16', sampleRate: 24000 } as const,
          bytes: 960,
        },
      ];
      for (const { conn, format, bytes } of formats) {
        for (const m of conn.of('media').slice(0, 50))
          assert.equal(Buffer.from(m.msg.media.payload, 'base64').length, bytes, `${conn.path} frame size`);
        const heard = trackAudio(conn, format);
        const at = locate(heard, MIC);
        assert.ok(at.probe > 0.95 && at.whole > 0.9, `${conn.path}: correlation ${JSON.stringify(at)}`);
      }

      // playAudio + checkpoint: playedStream no earlier than the tone's length after it started.
      const observer = await waitPath(app, '/observer', conns);
      const toneOut = toneArrivals(observer, 1000);
      assert.ok(Math.abs(toneOut.length - 50) <= 1, `1 s of tone sent: ${toneOut.length} frames`);
      const played = agent.of('playedStream');
      assert.deepEqual(
        played.map((m) => m.msg.name),
        ['tone'],
        'the cleared checkpoint is never answered',
      );
      // The observer gets a frame once its 20 ms are complete, so its first tone frame arrives
      // up to one frame after the tone began: the true gap is lag .. lag + 20 ms.
      const lag = (played[0]?.at ?? 0) - (toneOut[0]?.at ?? 0);
      assert.ok(lag >= 980 && lag < 1060, `playedStream ${lag.toFixed(1)} ms after the tone started`);
      const rec = receivedAudio(p);
      const heardTone = toneFrames(rec, 1000);
      assert.ok(
        Math.abs(heardTone.length - 50) <= 2,
        `the phone heard ${heardTone.length} frames of the tone`,
      );

      // clearAudio cut the clip at once: in what was sent and in what the phone recorded.
      const clipOut = toneArrivals(observer, 600);
      const cutAt = observer.of('media').find((m) => m.at > (clipOut.at(-1)?.at ?? 0))?.at ?? 0;
      assert.ok(
        cutAt - (marks.clear ?? 0) <= 40,
        `first frame after the cut ${(cutAt - (marks.clear ?? 0)).toFixed(1)} ms after clearAudio`,
      );
      const sentMs = (marks.clear ?? 0) - (clipOut[0]?.at ?? 0) + 20;
      const heardClip = toneFrames(rec, 600);
      const heardMs = heardClip.length * 20;
      assert.ok(heardClip.length > 10, 'the clip was heard');
      assert.ok(
        heardMs <= sentMs + 40,
        `the phone heard ${heardMs} ms of the clip, clearAudio came after ${sentMs.toFixed(0)} ms`,
      );
      assert.ok(heardMs < 1000, 'the 2 s clip was cut');

      // DTMF from the phone.
      assert.deepEqual(
        agent.of('dtmf').map((m) => m.msg.dtmf.digit),
        ['1', '2', '#'],
      );

      // Status callbacks.
      const status = lab.hooks.requestsTo('/status').filter((r) => r.params.CallUUID === callUuid);
      assert.deepEqual(
        status.map((r) => r.params.Event),
        ['StartStream', 'PlayedStream', 'ClearedAudio', 'StopStream'],
      );
      for (const r of status) {
        assert.equal(r.params.StreamID, start.start.streamId);
        assert.match(r.params.Timestamp ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
        assert.ok(r.signatureValid);
      }
      assert.equal(status[0]?.params.ServiceURL, app.url('/agent'));
      assert.equal(status[1]?.params.Name, 'tone');

      // The other streams ended with the call; Record ran beside them.
      for (const path of ['/mulaw', '/l16-24k', '/observer']) {
        const c = await waitPath(app, path, conns);
        assert.equal((await c.closed).code, 1000, `${path} closed cleanly`);
      }
      const recorded = await lab.hooks.waitFor('/rec');
      assert.equal(recorded.params.RecordingEndReason, 'HungUp');
      const wav = parseWav(Buffer.from(await (await fetch(recorded.params.RecordUrl ?? '')).arrayBuffer()));
      assert.ok(wav.samples.length / wav.sampleRate > 5, 'the recording spans the stream');
      assert.ok(rms(wav.samples) > 1000, 'and holds the caller');
    } catch (err) {
      if (err instanceof Error) err.message += `\n--- baresip ---\n${p.logTail()}`;
      throw err;
    } finally {
      app.onConnection = undefined;
    }
    await lab.assertIdle();
  });
});

async function waitPath(app: WsApp, path: string, from: number): Promise<AppConnection> {
  for (let n = from; ; n++) {
    const c = await app.connection(n);
    if (c.path === path) return c;
  }
}

function receivedAudio(p: Baresip): Int16Array {
  const file = p.recordings().received;
  assert.ok(file, 'baresip recorded what it heard');
  const wav = parseWav(readFileSync(file));
  assert.equal(wav.sampleRate, 8000);
  return wav.samples;
}
