/**
 * `<Stream>` faults end to end (issue 7, Proof): the application refuses the connection,
 * drops it mid-call, sends garbage and oversized frames. Each ends the stream as the spec
 * says (retries per maxRetries, then the next element) and the call goes on. One baresip
 * call walks through them in turn, one document each. Then a Stream on a bridged call
 * (taps of both directions) and a non-blocking Stream as the last element (4010).
 * The slow reader is proven in test/unit/media/stream/stream-session.test.ts over a real
 * loopback socket: filling the kernel's buffers (megabytes) at the real-time rate of one
 * call would take minutes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { dominantFrequency } from '../../helpers/audio.ts';
import { type Baresip, baresipSkipReason, startBaresip } from '../../helpers/baresip.ts';
import { doc, type Lab, startLab } from '../../helpers/patchbay-lab.ts';
import { freePort } from '../../helpers/sipp.ts';
import { type AppConnection, WsApp } from '../../unit/media/stream/ws-app.ts';
import { toneChunks, trackAudio } from './stream-audio.ts';

const skip = baresipSkipReason();

describe('Stream faults with baresip calling in', { skip }, () => {
  let lab: Lab;
  let app: WsApp;
  const phones: Baresip[] = [];

  before(async () => {
    lab = await startLab();
    app = await WsApp.start();
    lab.hooks.route('/fstatus', () => ({ status: 200 }));
  });
  after(async () => {
    await Promise.all(phones.map((p) => p.cleanup()));
    await app?.close();
    await lab?.close();
  });

  async function phone(
    name: string,
    opts: Partial<Parameters<typeof startBaresip>[0]> = {},
  ): Promise<Baresip> {
    const p = await startBaresip({ name, answer: 'auto', ...opts });
    phones.push(p);
    return p;
  }

  test('refused, dropped, garbage, oversized: each stream ends, the document goes on', async () => {
    const p = await phone('faults', { micTone: { freq: 440, seconds: 20 } });
    const closedPort = await freePort();
    const status = lab.hooks.url('/fstatus');
    const stream = (url: string, extra = '') =>
      `<Stream bidirectional="true" keepCallAlive="true" statusCallbackUrl="${status}" ${extra}>${url}</Stream>`;
    lab.hooks.xml(
      '/answer',
      doc(
        stream(`ws://127.0.0.1:${closedPort}/`, 'maxRetries="1"') +
          `<Redirect>${lab.hooks.url('/f2')}</Redirect>`,
      ),
    );
    lab.hooks.xml(
      '/f2',
      doc(stream(app.url('/dropper'), 'maxRetries="1"') + `<Redirect>${lab.hooks.url('/f3')}</Redirect>`),
    );
    lab.hooks.xml('/f3', doc(stream(app.url('/garbage')) + `<Redirect>${lab.hooks.url('/f4')}</Redirect>`));
    lab.hooks.xml('/f4', doc('<Speak>Still here.</Speak><Hangup/>'));
    const seen: Record<string, number> = {};
    app.onConnection = (c) => {
      void (async () => {
        const start = (await c.waitFor('start')).msg;
        if (c.path === '/dropper') {
          await c.waitFor('media', 10);
          c.ws.terminate(); // no close frame: 1006 on Patchbay's side
        } else if (c.path === '/garbage') {
          c.send('{"event": "playAudio", "media": ');
          c.send('not json at all');
          c.send({ event: 'dance' });
          c.send({
            event: 'playAudio',
            media: { contentType: 'audio/x-l16', sampleRate: 8000, payload: '%%%%' },
          });
          c.ws.send(Buffer.alloc(100), { binary: true });
          c.send(`{"event":"checkpoint","name":"big","pad":"${'x'.repeat(1_000_000)}"}`); // just under 1 MiB: accepted
          for (const payload of toneChunks(800, 200, 8000))
            c.send({ event: 'playAudio', media: { contentType: 'audio/x-l16', sampleRate: 8000, payload } });
          c.send({ event: 'checkpoint', streamId: start.start.streamId, name: 'alive' });
          await c.waitFor('playedStream', 1, 5000);
          seen.alive = 1;
          c.send(`{"event":"checkpoint","name":"huge","pad":"${'x'.repeat(1_100_000)}"}`); // over 1 MiB
        }
      })().catch((err) => {
        seen.error = 1;
        console.error(err);
      });
    };
    const hangups = lab.hooks.requestsTo('/hangup').length;
    const conns = app.connections.length;
    const statusBefore = lab.hooks.requestsTo('/fstatus').length;
    try {
      await p.dial(`sip:faults@${lab.sip}`);
      await p.waitEvent('CALL_ESTABLISHED', 5000);
      await lab.hooks.waitFor('/f4', { timeoutMs: 15000 });
      await p.waitEvent('CALL_CLOSED', 10000);
      const hangup = await lab.hooks.waitFor('/hangup', { count: hangups + 1 });
      assert.equal(hangup.params.HangupSource, 'Answer XML', 'the call reached the last document');
      assert.equal(seen.error, undefined);

      // Dropped mid-call twice (maxRetries="1"): the retry had a fresh start and streamId.
      const drops = app.connections.slice(conns).filter((c) => c.path === '/dropper');
      assert.equal(drops.length, 2);
      const ids = drops.map((c) => c.of('start')[0]?.msg.start.streamId);
      assert.notEqual(ids[0], ids[1]);
      // Garbage survived, then the oversized frame closed the socket with 1009 "Message Too Big".
      const garbage = app.connections.slice(conns).filter((c) => c.path === '/garbage');
      assert.equal(garbage.length, 1, 'no retry without maxRetries');
      assert.equal(seen.alive, 1, 'after the garbage, audio played and the checkpoint came back');
      assert.deepEqual(
        garbage[0]?.of('playedStream').map((m) => m.msg.name),
        ['big', 'alive'],
      );
      assert.equal((await (garbage[0] as AppConnection).closed).code, 1009);

      const events = lab.hooks
        .requestsTo('/fstatus')
        .slice(statusBefore)
        .map((r) => `${r.params.Event}${r.params.Error ? `(${r.params.Error.split(':')[0]})` : ''}`);
      // Callbacks are concurrent HTTP requests: their arrival order is not theirs.
      assert.deepEqual(
        events.sort(),
        [
          // refused twice, then stopped
          'DroppedStream(could not connect to the remote service)',
          'DroppedStream(could not connect to the remote service)',
          'StopStream',
          // dropped twice
          'StartStream',
          'DroppedStream(connection disconnected with the remote service)',
          'StartStream',
          'DroppedStream(connection disconnected with the remote service)',
          'StopStream',
          // garbage: one MediaError per kind, the checkpoints, then the oversized frame
          'StartStream',
          'MediaError(not-json)',
          'MediaError(unknown-event)',
          'MediaError(bad-base64)',
          'MediaError(binary)',
          'PlayedStream',
          'PlayedStream',
          'MediaError(oversized)',
          'DroppedStream(connection disconnected with the remote service)',
          'StopStream',
        ].sort(),
      );
    } catch (err) {
      if (err instanceof Error) err.message += `\n--- baresip ---\n${p.logTail()}`;
      throw err;
    } finally {
      app.onConnection = undefined;
    }
    await lab.assertIdle();
  });

  test('a Stream on a bridged call forks both directions (caller in, callee out)', async () => {
    const callee = await phone('callee', { micTone: { freq: 1300, seconds: 20 } });
    const p = await phone('bridged', { micTone: { freq: 500, seconds: 20 } });
    const hangups = lab.hooks.requestsTo('/hangup').length;
    const conns = app.connections.length;
    lab.hooks.xml(
      '/answer',
      doc(
        `<Stream audioTrack="both">${app.url('/bridge')}</Stream><Dial timeLimit="3"><User>${callee.sipUri}</User></Dial>`,
      ),
    );
    try {
      await p.dial(`sip:bridge@${lab.sip}`);
      await p.waitEvent('CALL_ESTABLISHED', 5000);
      const c = await app.connection(conns);
      await p.waitEvent('CALL_CLOSED', 10000);
      await lab.hooks.waitFor('/hangup', { count: hangups + 1 });
      assert.deepEqual(c.of('start')[0]?.msg.start.tracks, ['inbound', 'outbound']);
      const format = { encoding: 'audio/x-l16', sampleRate: 8000 } as const;
      // The last second, well inside the bridge.
      const inbound = trackAudio(c, format, 'inbound');
      const outbound = trackAudio(c, format, 'outbound');
      assert.ok(
        inbound.length >= 2 * 8000 && outbound.length >= 2 * 8000,
        `${inbound.length} / ${outbound.length}`,
      );
      const tail = (s: Int16Array) => s.subarray(s.length - 12000, s.length - 4000);
      assert.ok(Math.abs(dominantFrequency(tail(inbound), 8000) - 500) < 10, 'inbound: the caller');
      assert.ok(
        Math.abs(dominantFrequency(tail(outbound), 8000) - 1300) < 10,
        'outbound: the callee, relayed',
      );
      assert.equal((await c.closed).code, 1000);
    } finally {
      await callee.stop();
    }
    await lab.assertIdle();
  });

  test('a Stream without keepCallAlive as the last element: the call ends at once (4010)', async () => {
    const p = await phone('last');
    const hangups = lab.hooks.requestsTo('/hangup').length;
    const conns = app.connections.length;
    lab.hooks.xml('/answer', doc(`<Stream>${app.url('/last')}</Stream>`));
    await p.dial(`sip:last@${lab.sip}`);
    await p.waitEvent('CALL_CLOSED', 5000);
    const hangup = await lab.hooks.waitFor('/hangup', { count: hangups + 1 });
    assert.equal(hangup.params.HangupCauseCode, '4010');
    await sleep(200);
    for (const c of app.connections.slice(conns)) assert.equal((await c.closed).code, 1000);
    await lab.assertIdle();
  });
});
