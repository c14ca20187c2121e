import type { SpeakVerb } from '../../../schemas/xml/index.ts';
import { NEXT, type VerbContext, type VerbHandler, type VerbOutcome } from '../verb.ts';

/** `<Speak>`: text to speech through the media engine's TTS provider (spec 2.1). */
export const speakVerb: VerbHandler<SpeakVerb> = {
  needs: 'answered',
  async run(verb: SpeakVerb, ctx: VerbContext): Promise<VerbOutcome> {
    const playback = ctx.endpoint.play(
      [{ kind: 'speak', text: verb.text, voice: verb.voice, language: verb.language }],
      {
        loop: verb.loop,
        signal: ctx.signal,
      },
    );
    const result = await playback.done;
    if (result.reason === 'error') {
      ctx.log.warn({ at: verb.path, err: result.error }, 'Speak failed: going on with the next verb');
    }
    return NEXT;
  },
};
