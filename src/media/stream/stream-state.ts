import { StreamError } from './stream-error.ts';

/**
 * A stream's life (spec/vobizxml.md 2.14):
 *
 *            start()            open
 *   idle ───────────▶ connecting ─────▶ streaming
 *                      ▲      │           │
 *          retry timer │      │ failed    │ dropped (abnormal close, 1009 ...)
 *                      │      ▼           ▼
 *                      └── retrying ◀─────┘   (while maxRetries last)
 *
 *   connecting | retrying | streaming ──▶ ended   on: app `stop`, a clean close by the app,
 *   streamTimeout, stop() (REST / call end), a failure with no retry left, or a URL the
 *   outbound-address policy refuses (never retried).
 *
 * `connecting` covers resolving the URL's host and checking it against the policy too.
 */
export type StreamState = 'idle' | 'connecting' | 'streaming' | 'retrying' | 'ended';

const LEGAL: Readonly<Record<StreamState, readonly StreamState[]>> = {
  idle: ['connecting', 'ended'],
  connecting: ['streaming', 'retrying', 'ended'],
  streaming: ['retrying', 'ended'],
  retrying: ['connecting', 'ended'],
  ended: [],
};

/** The state after `from -> to`; throws STATE when the diagram above has no such arrow. */
export function nextStreamState(streamId: string, from: StreamState, to: StreamState): StreamState {
  if (!LEGAL[from].includes(to)) {
    throw new StreamError('STATE', `stream ${streamId}: ${from} -> ${to} is not allowed`);
  }
  return to;
}

export type StreamEndReason =
  /** The application sent `stop`. */
  | 'stop'
  /** The application closed the socket cleanly (1000 / 1001). */
  | 'closed'
  | 'timeout'
  /** stop() from the REST API (or the call's code). */
  | 'api'
  | 'call-ended'
  /** Never connected, retries spent, or the URL was refused by the outbound-address policy. */
  | 'failed'
  /** Dropped, retries spent. */
  | 'dropped';

export interface StreamEnd {
  reason: StreamEndReason;
  status: 'completed' | 'failed';
  /** The id of the last connection. */
  streamId: string;
}

/** WebSocket close codes that end a stream normally (RFC 6455 7.4.1), not a drop to retry. */
export const CLEAN_CLOSE: ReadonlySet<number> = new Set([1000, 1001]);
