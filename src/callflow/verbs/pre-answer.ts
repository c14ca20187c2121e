import type { PreAnswerVerb } from '../../../schemas/xml/index.ts';
import { NEXT, type VerbContext, type VerbHandler, type VerbOutcome } from '../verb.ts';
import { playVerb } from './play.ts';
import { speakVerb } from './speak.ts';
import { waitVerb } from './wait.ts';

/**
 * `<PreAnswer>` (spec 2.12): its Speak/Play/Wait children play as early media (183 Session
 * Progress with SDP) before the call is answered; the call is answered by the first verb
 * after it that needs it. When the call was answered already they simply play.
 */
export const preAnswerVerb: VerbHandler<PreAnswerVerb> = {
  needs: 'early',
  async run(verb: PreAnswerVerb, ctx: VerbContext): Promise<VerbOutcome> {
    for (const child of verb.children) {
      if (ctx.signal.aborted) break;
      if (child.verb === 'Speak') await speakVerb.run(child, ctx);
      else if (child.verb === 'Play') await playVerb.run(child, ctx);
      else await waitVerb.run(child, ctx);
    }
    return NEXT;
  },
};
