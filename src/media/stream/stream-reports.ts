import type { Clock } from '../../util/clock.ts';
import type { Logger } from '../../util/log.ts';
import { LogThrottle } from '../../util/log-throttle.ts';
import type { GarbageKind } from './stream-connection.ts';
import type { StreamStats } from './stream-stats.ts';
import { STATUS_ERRORS, type StreamStatus } from './stream-status.ts';

/**
 * What a stream tells the application out of band — its status callbacks (spec 3.6,
 * rest-api 5.8) — and the log lines that go with them. Garbage from the application is
 * logged at most 10 times per 10 s (the rest summed up) and reported with one `MediaError`
 * per kind and stream: a flood of bad frames is not a flood of webhooks.
 */
export class StreamReports {
  private readonly reported = new Set<GarbageKind>();
  private readonly throttle: LogThrottle;

  constructor(
    private readonly status: StreamStatus,
    private readonly log: Logger,
    clock: Clock,
    private readonly stats: StreamStats,
  ) {
    this.throttle = new LogThrottle(10, 10_000, clock);
  }

  started(streamId: string, serviceUrl: string): void {
    this.status.send('StartStream', streamId, { ServiceURL: serviceUrl });
  }

  /** A connection that did not open (`opened` false) or dropped. */
  dropped(streamId: string, opened: boolean): void {
    this.status.send('DroppedStream', streamId, {
      Error: opened ? STATUS_ERRORS.dropped : STATUS_ERRORS.refused,
    });
  }

  /** The outbound-address policy refused the URL: no connection was tried. */
  refused(streamId: string, url: string, reason: string): void {
    this.log.warn(
      { code: 'FORBIDDEN_ADDRESS', reason, url },
      'stream URL refused by the outbound-address policy: not connecting',
    );
    this.dropped(streamId, false);
  }

  stopped(streamId: string): void {
    this.status.send('StopStream', streamId);
  }

  played(streamId: string, name: string): void {
    this.status.send('PlayedStream', streamId, { Name: name });
  }

  cleared(streamId: string): void {
    this.status.send('ClearedAudio', streamId);
  }

  degraded(streamId: string, on: boolean): void {
    this.log.warn({ dropped: this.stats.mediaDropped, on }, 'stream back-pressure: media frames dropped');
    if (on) this.status.send('DegradedStream', streamId, { Error: STATUS_ERRORS.degraded });
  }

  garbage(streamId: string, kind: GarbageKind, detail: string): void {
    if (
      this.throttle.allow((n) =>
        this.log.warn({ suppressed: n }, 'stream: more garbage from the application'),
      )
    ) {
      this.log.warn({ kind, detail }, 'stream: garbage from the application ignored');
    }
    if (this.reported.has(kind)) return;
    this.reported.add(kind);
    this.status.send('MediaError', streamId, { Error: `${kind}: ${detail}` });
  }

  /** Resolves once every callback sent so far was delivered or given up. */
  settled(): Promise<void> {
    return this.status.settled();
  }
}
