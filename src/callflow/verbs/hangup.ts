import type { HangupVerb } from '../../../schemas/xml/index.ts';
import { NEXT, type VerbContext, type VerbHandler, type VerbOutcome } from '../verb.ts';

/**
 * `<Hangup>` (spec 2.11): before answer it rejects the call (603 Decline, or 486 Busy Here
 * for reason="busy"), after answer it ends it. With `schedule` it arms the call's end and
 * lets the next verbs run meanwhile (with nothing after it, the document ends the call).
 */
export const hangupVerb: VerbHandler<HangupVerb> = {
  needs: 'none',
  async run(verb: HangupVerb, ctx: VerbContext): Promise<VerbOutcome> {
    if (verb.schedule !== undefined) {
      ctx.scheduleHangup(verb.schedule * 1000);
      return NEXT;
    }
    if (!ctx.answered) {
      const reject = verb.reason ?? 'rejected';
      return { kind: 'hangup', cause: reject === 'busy' ? 'busy' : 'rejected', source: 'Answer XML', reject };
    }
    return { kind: 'hangup', cause: 'normal', source: 'Answer XML' };
  },
};
