import type { Logger } from '../../util/log.ts';

/** `Event` values of stream status callbacks (spec 3.6, rest-api 5.8). */
export type StreamStatusEvent =
  | 'StartStream'
  | 'PlayedStream'
  | 'ClearedAudio'
  | 'DegradedStream'
  | 'DroppedStream'
  | 'MediaError'
  | 'StopStream';

/**
 * Sends a status callback. The call layer adds the call's standard parameters (From, To,
 * ...) and signs it; it resolves when delivered or given up, and never rejects.
 */
export type StreamNotify = (
  url: string,
  method: 'GET' | 'POST',
  params: Record<string, string>,
) => Promise<void>;

/** rest-api 5.8: `Error` on every event, empty when healthy; these are the spec's texts. */
export const STATUS_ERRORS = {
  degraded: 'connection degraded',
  dropped: 'connection disconnected with the remote service',
  refused: 'could not connect to the remote service',
} as const;

/** `YYYY-MM-DD HH:mm:ss` in UTC (rest-api 5.8 `Timestamp`). */
export function statusTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * The status callbacks of one stream, to `statusCallbackUrl` (form parameters, spec 3.6).
 * Without a URL nothing is sent. `settled()` waits for the ones under way (the call waits
 * for them before its hangup URL).
 */
export class StreamStatus {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly opts: {
      url: string | undefined;
      method: 'GET' | 'POST';
      callUuid: string;
      accountId: string;
      notify: StreamNotify | undefined;
      wallClock: () => number;
      log: Logger;
    },
  ) {}

  send(
    event: StreamStatusEvent,
    streamId: string,
    extra: { Error?: string; Name?: string; ServiceURL?: string } = {},
  ): void {
    const { url, notify } = this.opts;
    if (!url || !notify) return;
    const params: Record<string, string> = {
      Event: event,
      CallUUID: this.opts.callUuid,
      StreamID: streamId,
      Timestamp: statusTimestamp(this.opts.wallClock()),
      ParentAuthID: this.opts.accountId,
      status_callback_url: url,
      status_callback_method: this.opts.method,
      Error: extra.Error ?? '',
    };
    if (extra.Name !== undefined) params.Name = extra.Name;
    if (extra.ServiceURL !== undefined) params.ServiceURL = extra.ServiceURL;
    let p: Promise<void>;
    try {
      p = notify(url, this.opts.method, params).catch((err: unknown) => {
        this.opts.log.warn({ err, event }, 'stream status callback failed');
      });
    } catch (err) {
      this.opts.log.warn({ err, event }, 'stream status callback failed');
      return;
    }
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
