import type { DtmfVerb } from '../../../schemas/xml/index.ts';
import { NEXT, pause, type VerbContext, type VerbHandler, type VerbOutcome } from '../verb.ts';

/** Pauses of a dial string: w = 0.5 s, W = 1 s (spec 2.13). */
const PAUSE_MS: Record<string, number> = { w: 500, W: 1000 };

/** Sends the digits as RFC 4733 events, honouring the w/W pauses between them. */
async function send(digits: string, ctx: VerbContext): Promise<void> {
  for (const group of digits.match(/[wW]|[^wW]+/g) ?? []) {
    if (ctx.signal.aborted) return;
    const ms = PAUSE_MS[group];
    if (ms !== undefined) await pause(ctx, ms);
    else await ctx.endpoint.sendDtmf(group);
  }
}

/**
 * `<DTMF>` (spec 2.13): sends digits on the live call. async="true" (the default) lets the
 * next verb start at once while the digits go out; "false" waits until the last one was sent.
 */
export const dtmfVerb: VerbHandler<DtmfVerb> = {
  needs: 'answered',
  async run(verb: DtmfVerb, ctx: VerbContext): Promise<VerbOutcome> {
    const sending = send(verb.digits, ctx);
    if (verb.async) ctx.background(sending);
    else await sending;
    return NEXT;
  },
};
