import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startStreamAgent } from '../../../../examples/stream-agent/agent.ts';
import { StreamSession } from '../../../../src/media/stream/stream-session.ts';
import { crossCorrelationMax } from '../../../helpers/audio.ts';
import { caller } from '../../../integration/stream/stream-audio.ts';
import { PlayerEndpoint, settle } from './player-endpoint.ts';

describe('examples/stream-agent', () => {
  for (const contentType of ['audio/x-l16;rate=16000', 'audio/x-mulaw;rate=8000']) {
    test(`echoes the caller back after its delay (${contentType}); * clears, # stops`, async () => {
      const agent = await startStreamAgent({ delayMs: 100 });
      const ep = new PlayerEndpoint();
      const s = new StreamSession(
        {
          serviceUrl: agent.url,
          audioTrack: 'inbound',
          bidirectional: true,
          contentType,
          streamTimeout: 60,
          statusCallbackMethod: 'POST',
          extraHeaders: {},
        },
        { callUuid: 'c', accountId: 'a', endpoint: ep },
      ).start();
      try {
        while (s.state !== 'streaming') await sleep(5);
        const voice = caller(2).subarray(0, 160 * 60);
        for (let f = 0; f < 60; f++) ep.hear(voice.subarray(f * 160, (f + 1) * 160));
        while (s.stats().checkpoints < 1) await sleep(5);
        for (let i = 0; i < 80; i++) {
          await settle();
          ep.tick();
        }
        await settle();
        const heard = Int16Array.from(ep.sent);
        const first = heard.findIndex((v) => v !== 0);
        assert.ok(first >= 0, 'the echo was played');
        // Resamplers on the way shift it by a few samples: align by correlation.
        const probe = voice.subarray(800, 4800);
        const best = crossCorrelationMax(probe, heard.subarray(first + 800 - 100), 200);
        assert.ok(best.value > 0.99, `the echo is the caller's audio (correlation ${best.value})`);
        assert.ok(Math.abs(best.lag - 100) < 40, `in place (lag ${best.lag - 100})`);
        assert.equal(s.stats().playedStream, 1, 'its checkpoint came back once played');
        ep.press('*');
        while (s.stats().clearAudio < 1) await sleep(5);
        ep.press('#');
        assert.equal((await s.done).reason, 'stop');
      } finally {
        s.stop();
        await agent.close();
      }
    });
  }
});
