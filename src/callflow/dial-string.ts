import type { MediaEndpoint } from '../media/media-engine.ts';
import type { Clock } from '../util/clock.ts';
import { pause } from './verb.ts';

/** Pauses of a dial string: w = 0.5 s, W = 1 s (spec 2.13, rest-api 2.1 send_digits). */
const PAUSE_MS: Record<string, number> = { w: 500, W: 1000 };

/**
 * Sends a dial string as RFC 4733 events: digits `0-9*#ABCD`, `w`/`W` pauses, and an optional
 * trailing `@<ms>` tone length (rest-api 2.1: `123@1000`). Stops early when `signal` aborts
 * or `live()` turns false.
 */
export async function sendDialString(
  endpoint: MediaEndpoint,
  dialString: string,
  opts: { clock: Clock; signal: AbortSignal; live?: () => boolean },
): Promise<void> {
  const m = dialString.match(/^(.*?)@(\d+)$/);
  const digits = m ? m[1] : dialString;
  const durationMs = m ? Math.min(5000, Math.max(40, Number(m[2]))) : undefined;
  for (const group of digits.match(/[wW]|[^wW]+/g) ?? []) {
    if (opts.signal.aborted || opts.live?.() === false) return;
    const ms = PAUSE_MS[group];
    if (ms !== undefined) await pause(opts, ms);
    else await endpoint.sendDtmf(group, durationMs === undefined ? {} : { durationMs });
  }
}
