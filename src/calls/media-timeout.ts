import type { Clock, TimerHandle } from '../util/clock.ts';
import type { Call } from './call.ts';
import { HANGUP_CAUSES } from './hangup-cause.ts';

/** How often the received-packet count is looked at. */
const CHECK_MS = 1000;

/**
 * Ends an answered call whose peer has sent no RTP for `timeoutMs` (rest-api 6.2: 6020 Media
 * Timeout, "no RTP for 60 s"): a phone that lost power or network never sends its BYE. A
 * call we hold (the negotiated direction has the peer silent) is not timed; the count
 * restarts when media is expected again, and follows the call's leg across transfers.
 */
export function watchMediaTimeout(call: Call, clock: Clock, timeoutMs: number): void {
  if (timeoutMs <= 0) return;
  let lastCount = -1;
  let silentSince = clock.now();
  let timer: TimerHandle | undefined;
  const check = (): void => {
    if (call.end) return;
    const endpoint = call.endpoint;
    const count = endpoint.stats().packetsReceived;
    const now = clock.now();
    if (!call.answered || !endpoint.receiving || count !== lastCount) {
      lastCount = count;
      silentSince = now;
    } else if (now - silentSince >= timeoutMs) {
      void call.hangup({
        cause: HANGUP_CAUSES.mediaTimeout,
        source: 'Vobiz',
        detail: `no RTP from the peer for ${Math.round((now - silentSince) / 1000)} s`,
      });
      return;
    }
    timer = clock.setTimer(CHECK_MS, check);
  };
  timer = clock.setTimer(CHECK_MS, check);
  call.once('ended', () => timer?.cancel());
  call.on('leg-replaced', () => {
    lastCount = -1;
  });
}
