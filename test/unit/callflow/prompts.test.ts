import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PlayVerb, SpeakVerb, WaitVerb } from '../../../schemas/xml/index.ts';
import { playPrompts, promptPlayback } from '../../../src/callflow/prompts.ts';
import { fakeVerbContext } from '../../helpers/fake-verb-context.ts';

const loc = { path: 'Response/Gather[1]/Speak[1]', line: 3, col: 5 };
const speak: SpeakVerb = {
  verb: 'Speak',
  voice: 'WOMAN',
  language: 'fr-FR',
  loop: 0,
  text: 'Bonjour',
  ...loc,
};
const play: PlayVerb = { verb: 'Play', loop: 3, url: 'https://example.test/a.mp3', ...loc };
const wait: WaitVerb = { verb: 'Wait', length: 2, silence: false, minSilence: 2000, beep: false, ...loc };

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('promptPlayback', () => {
  test('Speak: text, voice and language; loop kept (0 = until stopped)', () => {
    const ctx = fakeVerbContext();
    assert.deepEqual(promptPlayback(speak, ctx), {
      items: [{ kind: 'speak', text: 'Bonjour', voice: 'WOMAN', language: 'fr-FR' }],
      loop: 0,
    });
  });

  test('Play: the URL, loop kept', () => {
    assert.deepEqual(promptPlayback(play, fakeVerbContext()), {
      items: [{ kind: 'url', url: 'https://example.test/a.mp3' }],
      loop: 3,
    });
  });

  test('Wait: length seconds of silence, once; silence/beep modes said in the log', () => {
    const ctx = fakeVerbContext();
    assert.deepEqual(promptPlayback(wait, ctx), { items: [{ kind: 'silence', durationMs: 2000 }], loop: 1 });
    assert.equal(ctx.logs.length, 0);
    promptPlayback({ ...wait, silence: true }, ctx);
    assert.equal(ctx.logs.length, 1);
    assert.match(ctx.logs[0]?.msg ?? '', /silence/);
  });
});

describe('playPrompts', () => {
  test('queues the prompts in order and is done when the last one ends', async () => {
    const ctx = fakeVerbContext();
    let done = false;
    const prompts = playPrompts([speak, play, wait], ctx);
    prompts.done.then(() => {
      done = true;
    });
    const plays = ctx.fakeEndpoint.plays;
    assert.deepEqual(
      plays.map((p) => [p.items[0]?.kind, p.opts.loop]),
      [
        ['speak', 0],
        ['url', 3],
        ['silence', 1],
      ],
    );
    assert.ok(plays.every((p) => p.opts.signal === ctx.signal));
    plays[0]?.finish();
    plays[1]?.finish('error');
    await flush();
    assert.equal(done, false);
    assert.ok(ctx.logs.some((l) => l.level === 40 && /Play prompt skipped/.test(l.msg)));
    plays[2]?.finish();
    await flush();
    assert.equal(done, true);
  });

  test('stop() stops every prompt, playing or queued', async () => {
    const ctx = fakeVerbContext();
    const prompts = playPrompts([speak, play], ctx);
    prompts.stop();
    await prompts.done;
    assert.deepEqual(
      ctx.fakeEndpoint.plays.map((p) => p.ended),
      ['stopped', 'stopped'],
    );
  });

  test('no prompts: done at once', async () => {
    const ctx = fakeVerbContext();
    await playPrompts([], ctx).done;
    assert.equal(ctx.fakeEndpoint.plays.length, 0);
  });
});
