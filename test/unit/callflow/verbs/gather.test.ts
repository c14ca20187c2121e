import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { GatherVerb, PlayVerb, SpeakVerb } from '../../../../schemas/xml/index.ts';
import type { VerbOutcome } from '../../../../src/callflow/verb.ts';
import { gatherVerb } from '../../../../src/callflow/verbs/gather.ts';
import {
  type FakeVerbContext,
  fakeVerbContext,
  STANDARD_PARAMS,
} from '../../../helpers/fake-verb-context.ts';

const loc = { path: 'Response/Gather[1]', line: 2, col: 3 };

const speak: SpeakVerb = { verb: 'Speak', voice: 'MAN', language: 'en-GB', loop: 2, text: 'Press 1', ...loc };
const play: PlayVerb = { verb: 'Play', loop: 1, url: 'https://example.test/menu.wav', ...loc };

function gather(over: Partial<GatherVerb> = {}): GatherVerb {
  return {
    verb: 'Gather',
    action: 'https://app.test/gathered',
    method: 'POST',
    inputType: 'dtmf',
    executionTimeout: 15,
    digitEndTimeout: 'auto',
    speechEndTimeout: 'auto',
    finishOnKey: '#',
    numDigits: 32,
    speechModel: 'default',
    language: 'en-US',
    interimSpeechResultsCallbackMethod: 'POST',
    log: true,
    redirect: true,
    profanityFilter: false,
    retries: 1,
    playBeep: false,
    prompts: [speak, play],
    ...loc,
    ...over,
  };
}

const flush = () => new Promise<void>((r) => setImmediate(r));

/** Starts the verb; `outcome()` is undefined until it returned. */
function start(verb: GatherVerb, ctx: FakeVerbContext) {
  let out: VerbOutcome | undefined;
  const running = gatherVerb.run(verb, ctx).then((o) => {
    out = o;
    return o;
  });
  return {
    running,
    async outcome(): Promise<VerbOutcome | undefined> {
      await flush();
      return out;
    },
  };
}

/** Ends every playback now playing, as if the audio ran to its end. */
async function endPlaying(ctx: FakeVerbContext): Promise<void> {
  for (const p of ctx.fakeEndpoint.playing) p.finish();
  await flush();
}

/** After the verb: no timer, no DTMF listener, nothing playing. */
function assertClean(ctx: FakeVerbContext): void {
  assert.equal(ctx.fakeClock.armed, 0, 'timers left armed');
  assert.equal(ctx.fakeEndpoint.dtmfListeners, 0, 'DTMF listener left');
  assert.deepEqual(ctx.fakeEndpoint.playing, [], 'playback left');
}

const fetchOf = (digits: string): VerbOutcome => ({
  kind: 'fetch',
  url: 'https://app.test/gathered',
  method: 'POST',
  params: { ...STANDARD_PARAMS, InputType: 'dtmf', Digits: digits, Speech: '' },
  purpose: 'action',
});

describe('Gather verb', () => {
  test('needs an answered call', () => {
    assert.equal(gatherVerb.needs, 'answered');
  });

  test('prompts play in order; executionTimeout starts only when they end; no input: NEXT', async () => {
    const ctx = fakeVerbContext();
    const g = start(gather(), ctx);
    await flush();
    const plays = ctx.fakeEndpoint.plays;
    assert.equal(plays.length, 2);
    assert.deepEqual(plays[0]?.items, [{ kind: 'speak', text: 'Press 1', voice: 'MAN', language: 'en-GB' }]);
    assert.equal(plays[0]?.opts.loop, 2);
    assert.deepEqual(plays[1]?.items, [{ kind: 'url', url: 'https://example.test/menu.wav' }]);
    ctx.fakeClock.advance(30_000);
    assert.equal(await g.outcome(), undefined, 'timed out while the prompts played');
    await endPlaying(ctx);
    ctx.fakeClock.advance(14_999);
    assert.equal(await g.outcome(), undefined);
    ctx.fakeClock.advance(1);
    assert.deepEqual(await g.outcome(), { kind: 'next' });
    assert.deepEqual(ctx.notifications, []);
    assertClean(ctx);
  });

  test('a key during the prompts stops them; the digits go to action (redirect=true)', async () => {
    const ctx = fakeVerbContext();
    const g = start(gather(), ctx);
    await flush();
    ctx.fakeEndpoint.press('1');
    assert.deepEqual(
      ctx.fakeEndpoint.plays.map((p) => p.ended),
      ['stopped', 'stopped'],
    );
    ctx.fakeEndpoint.press('23#');
    assert.deepEqual(await g.running, fetchOf('123'));
    assert.deepEqual(ctx.notifications, []);
    assertClean(ctx);
  });

  test('redirect=false notifies the action in the background and runs the next verb', async () => {
    const ctx = fakeVerbContext();
    const g = start(gather({ redirect: false, method: 'GET', prompts: [] }), ctx);
    ctx.fakeEndpoint.press('42#');
    assert.deepEqual(await g.running, { kind: 'next' });
    assert.equal(ctx.tasks.length, 1);
    await ctx.settle();
    assert.deepEqual(ctx.notifications, [
      {
        url: 'https://app.test/gathered',
        method: 'GET',
        params: { ...STANDARD_PARAMS, InputType: 'dtmf', Digits: '42', Speech: '' },
        extra: { InputType: 'dtmf', Digits: '42', Speech: '' },
      },
    ]);
  });

  test('keys pressed before the Gather do not count', async () => {
    const ctx = fakeVerbContext();
    ctx.fakeEndpoint.press('9');
    const g = start(gather({ prompts: [] }), ctx);
    ctx.fakeEndpoint.press('5#');
    assert.deepEqual(await g.running, fetchOf('5'));
  });

  test('digitEndTimeout auto is 5 s between digits, restarted by each digit', async () => {
    const ctx = fakeVerbContext();
    const g = start(gather({ prompts: [] }), ctx);
    ctx.fakeEndpoint.press('1');
    ctx.fakeClock.advance(4_000);
    ctx.fakeEndpoint.press('2');
    ctx.fakeClock.advance(4_999);
    assert.equal(await g.outcome(), undefined);
    ctx.fakeClock.advance(1);
    assert.deepEqual(await g.outcome(), fetchOf('12'));
    assertClean(ctx);
  });

  test('digitEndTimeout in seconds, and numDigits submits at once', async () => {
    const ctx = fakeVerbContext();
    const g = start(gather({ prompts: [], digitEndTimeout: 2, numDigits: 4 }), ctx);
    ctx.fakeEndpoint.press('7');
    ctx.fakeClock.advance(2_000);
    assert.deepEqual(await g.outcome(), fetchOf('7'));

    const ctx2 = fakeVerbContext();
    const g2 = start(gather({ prompts: [], numDigits: 4 }), ctx2);
    ctx2.fakeEndpoint.press('1234');
    assert.deepEqual(await g2.outcome(), fetchOf('1234'));
    assertClean(ctx2);
  });

  test("finishOnKey '' (none): the key is a digit", async () => {
    const ctx = fakeVerbContext();
    const g = start(gather({ prompts: [], finishOnKey: '' }), ctx);
    ctx.fakeEndpoint.press('3#');
    ctx.fakeClock.advance(5_000);
    assert.deepEqual(await g.outcome(), fetchOf('3#'));
  });

  test('gatherActionOnEmpty: no input still requests the action, with empty Digits', async () => {
    const ctx = fakeVerbContext({ settings: { gatherActionOnEmpty: true } });
    const g = start(gather({ prompts: [], executionTimeout: 5 }), ctx);
    ctx.fakeClock.advance(5_000);
    assert.deepEqual(await g.outcome(), fetchOf(''));
  });

  test('playBeep: a beep after the prompts, before listening', async () => {
    const ctx = fakeVerbContext();
    const g = start(gather({ playBeep: true, prompts: [play] }), ctx);
    await endPlaying(ctx);
    assert.deepEqual(ctx.fakeEndpoint.plays[1]?.items, [{ kind: 'tone', tone: 'beep' }]);
    assert.equal(ctx.fakeClock.armed, 0, 'executionTimeout armed during the beep');
    await endPlaying(ctx);
    assert.equal(ctx.fakeClock.armed, 1);
    ctx.fakeEndpoint.press('8#');
    assert.deepEqual(await g.outcome(), fetchOf('8'));
  });

  test('validDigits + retries: the invalid sound, the prompts again, then the valid input', async () => {
    const ctx = fakeVerbContext();
    const verb = gather({
      prompts: [play],
      validDigits: '12',
      retries: 2,
      numDigits: 1,
      invalidDigitsSound: 'https://example.test/invalid.wav',
    });
    const g = start(verb, ctx);
    await flush();
    ctx.fakeEndpoint.press('9');
    await flush();
    const items = () => ctx.fakeEndpoint.plays.map((p) => p.items[0]);
    assert.deepEqual(items(), [
      { kind: 'url', url: 'https://example.test/menu.wav' },
      { kind: 'url', url: 'https://example.test/invalid.wav' },
    ]);
    await endPlaying(ctx);
    assert.equal(ctx.fakeEndpoint.plays.length, 3, 'prompts replayed');
    ctx.fakeEndpoint.press('2');
    assert.deepEqual(await g.outcome(), fetchOf('2'));
    assertClean(ctx);
  });

  test('invalid input on the last attempt: no input, NEXT', async () => {
    const ctx = fakeVerbContext();
    const g = start(gather({ prompts: [], validDigits: '1' }), ctx);
    ctx.fakeEndpoint.press('5#');
    assert.deepEqual(await g.outcome(), { kind: 'next' });
    assert.deepEqual(ctx.notifications, []);
  });

  test('log=false keeps the digits out of the log; log=true shows them', async () => {
    const quiet = fakeVerbContext();
    const g = start(gather({ prompts: [], log: false }), quiet);
    quiet.fakeEndpoint.press('8642#');
    await g.running;
    assert.ok(quiet.logs.length > 0);
    assert.ok(!JSON.stringify(quiet.logs).includes('8642'), 'digits were logged');

    const loud = fakeVerbContext();
    const g2 = start(gather({ prompts: [] }), loud);
    loud.fakeEndpoint.press('8642#');
    await g2.running;
    assert.ok(JSON.stringify(loud.logs).includes('8642'));
  });

  test('inputType speech: an error with code SPEECH_NOT_SUPPORTED, NEXT, nothing played', async () => {
    const ctx = fakeVerbContext();
    assert.deepEqual(await gatherVerb.run(gather({ inputType: 'speech' }), ctx), { kind: 'next' });
    assert.equal(ctx.fakeEndpoint.plays.length, 0);
    const errors = ctx.logs.filter((l) => l.level === 50);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.code, 'SPEECH_NOT_SUPPORTED');
    assert.match(errors[0]?.msg ?? '', /speech/);
  });

  test('inputType "dtmf speech": one warning per call, DTMF collected', async () => {
    const ctx = fakeVerbContext();
    for (const digit of ['4', '6']) {
      const g = start(gather({ inputType: 'dtmf speech', prompts: [] }), ctx);
      ctx.fakeEndpoint.press(`${digit}#`);
      assert.deepEqual(await g.running, fetchOf(digit));
    }
    const warnings = ctx.logs.filter((l) => l.level === 40);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.code, 'SPEECH_NOT_SUPPORTED');
  });

  test('the call ends during the prompts: they stop, NEXT at once, nothing left armed', async () => {
    const ctx = fakeVerbContext();
    const g = start(gather(), ctx);
    await flush();
    ctx.hangup();
    assert.deepEqual(await g.outcome(), { kind: 'next' });
    assert.deepEqual(
      ctx.fakeEndpoint.plays.map((p) => p.ended),
      ['stopped', 'stopped'],
    );
    assertClean(ctx);
  });

  test('the call ends while collecting: timers cancelled, no action', async () => {
    const ctx = fakeVerbContext();
    const g = start(gather({ prompts: [] }), ctx);
    ctx.fakeEndpoint.press('1');
    assert.equal(ctx.fakeClock.armed, 2);
    ctx.hangup();
    assert.deepEqual(await g.outcome(), { kind: 'next' });
    assert.deepEqual(ctx.notifications, []);
    assertClean(ctx);
  });

  test('an ended call runs nothing', async () => {
    const ctx = fakeVerbContext();
    ctx.hangup();
    assert.deepEqual(await gatherVerb.run(gather(), ctx), { kind: 'next' });
    assert.equal(ctx.fakeEndpoint.plays.length, 0);
  });
});
