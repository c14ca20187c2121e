import type { DialVerb } from '../../../schemas/xml/index.ts';
import type { OutboundLeg } from '../../calls/outbound-leg.ts';
import { playPrompts } from '../prompts.ts';
import type { VerbContext } from '../verb.ts';

/**
 * confirmSound / confirmKey (spec 2.5): the answered callee hears the confirm document; with
 * confirmKey it must press that key within confirmTimeout, without one the timeout accepts.
 * True when the callee is to be connected (and is still there, as is the caller).
 */
export async function confirmCallee(verb: DialVerb, leg: OutboundLeg, ctx: VerbContext): Promise<boolean> {
  if (!verb.confirmSound) return true;
  const prompts = await ctx.loadSound(verb.confirmSound, 'POST');
  const signal = AbortSignal.any([ctx.signal]);
  const playback = playPrompts(prompts, { endpoint: leg.endpoint, log: ctx.log, signal });
  const key = verb.confirmKey;
  const accepted = await new Promise<boolean>((resolve) => {
    const timer = ctx.clock.setTimer(verb.confirmTimeout * 1000, () => finish(key === undefined));
    const off = key ? leg.endpoint.onDtmf((e) => e.digit === key && finish(true)) : () => {};
    const onEnd = () => finish(false);
    leg.once('end', onEnd);
    ctx.signal.addEventListener('abort', onEnd, { once: true });
    function finish(ok: boolean) {
      timer.cancel();
      off();
      leg.off('end', onEnd);
      ctx.signal.removeEventListener('abort', onEnd);
      resolve(ok);
    }
  });
  playback.stop();
  return accepted && leg.state === 'answered' && !ctx.signal.aborted;
}
