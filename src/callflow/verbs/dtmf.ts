import type { DtmfVerb } from '../../../schemas/xml/index.ts';
import { sendDialString } from '../dial-string.ts';
import { NEXT, type VerbContext, type VerbHandler, type VerbOutcome } from '../verb.ts';

/**
 * `<DTMF>` (spec 2.13): sends digits on the live call. async="true" (the default) lets the
 * next verb start at once while the digits go out; "false" waits until the last one was sent.
 */
export const dtmfVerb: VerbHandler<DtmfVerb> = {
  needs: 'answered',
  async run(verb: DtmfVerb, ctx: VerbContext): Promise<VerbOutcome> {
    const sending = sendDialString(ctx.endpoint, verb.digits, ctx);
    if (verb.async) ctx.background(sending);
    else await sending;
    return NEXT;
  },
};
