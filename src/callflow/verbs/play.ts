import type { PlayVerb } from '../../../schemas/xml/index.ts';
import { NEXT, type VerbContext, type VerbHandler, type VerbOutcome } from '../verb.ts';

/** `<Play>`: an MP3 or WAV from a URL; one that cannot be fetched is skipped (spec 2.2). */
export const playVerb: VerbHandler<PlayVerb> = {
  needs: 'answered',
  async run(verb: PlayVerb, ctx: VerbContext): Promise<VerbOutcome> {
    const playback = ctx.endpoint.play([{ kind: 'url', url: verb.url }], {
      loop: verb.loop,
      signal: ctx.signal,
    });
    const result = await playback.done;
    if (result.reason === 'error') {
      ctx.log.warn(
        { at: verb.path, url: verb.url, err: result.error?.message },
        'Play skipped: the audio could not be had',
      );
    }
    return NEXT;
  },
};
