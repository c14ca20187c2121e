import type { Clock } from '../../util/clock.ts';
import type { Logger } from '../../util/log.ts';
import type { MediaEndpoint } from '../media-engine.ts';
import type { FrameTicker } from './frame-ticker.ts';
import type { StreamLimits } from './stream-config.ts';
import type { StreamEgress } from './stream-egress.ts';
import type { StreamNotify } from './stream-status.ts';

/** What a StreamSession needs from the call it streams. */
export interface StreamSessionDeps {
  callUuid: string;
  /** `start.accountId` and `ParentAuthID` (the auth id). */
  accountId: string;
  endpoint: MediaEndpoint;
  clock?: Clock;
  /** Epoch ms, for `media.timestamp` and callback times. */
  wallClock?: () => number;
  log?: Logger;
  notify?: StreamNotify;
  limits?: Partial<StreamLimits>;
  ticker?: FrameTicker;
  /** Ends the stream with `call-ended` when it aborts. */
  signal?: AbortSignal;
  /** The first stream id (tests); a random UUID otherwise. */
  streamId?: string;
  /** Where the WebSocket may connect; default: the default policy (a call passes its webhook client's). */
  egress?: StreamEgress;
}
