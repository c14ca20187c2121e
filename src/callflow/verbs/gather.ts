import type { GatherVerb } from '../../../schemas/xml/index.ts';
import { GatherMachine, type GatherResult, type GatherSound } from '../gather-machine.ts';
import { type PromptsPlayback, playPrompts } from '../prompts.ts';
import {
  NEXT,
  toAction,
  type VerbContext,
  type VerbHandler,
  type VerbOutcome,
  type WebhookParams,
} from '../verb.ts';

/**
 * `digitEndTimeout="auto"`: 5 s between digits. The spec leaves `auto` open (2-10 s are the
 * explicit values; Plivo's GetDigits used 2 s); 5 s lets a caller read a number off a card
 * without the input being cut short, and is still short next to executionTimeout (15 s).
 */
export const AUTO_DIGIT_END_TIMEOUT_MS = 5_000;

/** Calls already told that speech is not collected ("dtmf speech" warns once per call). */
const warnedSpeech = new WeakSet<AbortSignal>();

/**
 * `<Gather>` (spec 2.4), DTMF input: prompts, then digits, by GatherMachine. With input, the
 * action gets InputType/Digits/Speech: redirect="true" hands the call to its document,
 * redirect="false" only notifies it and the next verb runs. Without input the next verb
 * runs, unless the settings ask for the action with empty Digits (spec 2.4, sources differ).
 */
export const gatherVerb: VerbHandler<GatherVerb> = {
  needs: 'answered',
  async run(verb: GatherVerb, ctx: VerbContext): Promise<VerbOutcome> {
    if (verb.inputType === 'speech') {
      ctx.log.error(
        { code: 'SPEECH_NOT_SUPPORTED', at: verb.path },
        'Gather inputType="speech" needs a speech recognizer, and none is configured in this version: the Gather is skipped',
      );
      return NEXT;
    }
    if (verb.inputType === 'dtmf speech' && !warnedSpeech.has(ctx.signal)) {
      warnedSpeech.add(ctx.signal);
      ctx.log.warn(
        { code: 'SPEECH_NOT_SUPPORTED', at: verb.path },
        'Gather inputType="dtmf speech": no speech recognizer is configured, only DTMF is collected',
      );
    }
    if (ctx.signal.aborted) return NEXT;
    const result = await collect(verb, ctx);
    return outcome(verb, ctx, result);
  },
};

/** Runs the machine against the caller's endpoint until input, no input, or the call's end. */
async function collect(verb: GatherVerb, ctx: VerbContext): Promise<GatherResult> {
  let sound: PromptsPlayback | undefined;
  const play = (which: GatherSound): Promise<unknown> => {
    sound = soundOf(which, verb, ctx);
    return sound.done;
  };
  const machine = new GatherMachine(
    {
      executionTimeoutMs: verb.executionTimeout * 1000,
      digitEndTimeoutMs:
        verb.digitEndTimeout === 'auto' ? AUTO_DIGIT_END_TIMEOUT_MS : verb.digitEndTimeout * 1000,
      finishOnKey: verb.finishOnKey,
      numDigits: verb.numDigits,
      ...(verb.validDigits !== undefined ? { validDigits: verb.validDigits } : {}),
      attempts: verb.retries,
      prompts: verb.prompts.length > 0,
      playBeep: verb.playBeep,
      invalidSound: verb.invalidDigitsSound !== undefined,
    },
    { play, stop: () => sound?.stop() },
    ctx.clock,
  );
  // Subscribed before the first prompt plays: keys pressed before the Gather are not ours.
  const unsubscribe = ctx.endpoint.onDtmf((e) => machine.digit(e.digit));
  const onAbort = () => machine.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    machine.start();
    return await machine.result;
  } finally {
    unsubscribe();
    ctx.signal.removeEventListener('abort', onAbort);
    sound?.stop();
  }
}

function soundOf(which: GatherSound, verb: GatherVerb, ctx: VerbContext): PromptsPlayback {
  if (which === 'prompts') return playPrompts(verb.prompts, ctx);
  const item =
    which === 'beep'
      ? ({ kind: 'tone', tone: 'beep' } as const)
      : ({ kind: 'url', url: verb.invalidDigitsSound ?? '' } as const);
  const playback = ctx.endpoint.play([item], { signal: ctx.signal });
  return { done: playback.done.then(() => undefined), stop: () => playback.stop() };
}

function outcome(verb: GatherVerb, ctx: VerbContext, result: GatherResult): VerbOutcome {
  // log="false": the digits never reach the log (spec 2.4).
  const shown = verb.log && result.kind === 'input' ? { digits: result.digits } : {};
  ctx.log.info({ at: verb.path, result: result.kind, attempts: result.attempts, ...shown }, 'Gather ended');
  if (result.kind === 'aborted') return NEXT;
  if (result.kind === 'none' && !ctx.settings.gatherActionOnEmpty) return NEXT;
  const input: WebhookParams = {
    InputType: 'dtmf',
    Digits: result.kind === 'input' ? result.digits : '',
    Speech: '',
  };
  return toAction(ctx, { url: verb.action, method: verb.method, redirect: verb.redirect }, input);
}
