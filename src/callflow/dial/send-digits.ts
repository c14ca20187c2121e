import type { OutboundLeg } from '../../calls/outbound-leg.ts';
import { pause, type VerbContext } from '../verb.ts';

/**
 * A Number/User's sendDigits (spec 2.5), sent to the callee once connected: RFC 4733 events,
 * with `w` a 0.5 s pause and `W` a 1 s pause. Stops when the callee leaves or the call ends.
 */
export async function sendDigits(
  leg: OutboundLeg,
  digits: string,
  ctx: Pick<VerbContext, 'clock' | 'signal'>,
): Promise<void> {
  for (const group of digits.match(/[wW]|[^wW]+/g) ?? []) {
    if (leg.state !== 'answered') return;
    if (group === 'w' || group === 'W') await pause(ctx, group === 'w' ? 500 : 1000);
    else await leg.sendDigits(group);
  }
}
