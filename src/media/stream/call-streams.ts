import type { MediaEndpoint } from '../media-engine.ts';
import type { StreamConfig, StreamInfoRecord } from './stream-config.ts';
import { StreamSession } from './stream-session.ts';
import type { StreamSessionDeps } from './stream-session-deps.ts';

/** What every stream of the call shares: a session's deps, with the caller's endpoint read at each start. */
export interface CallStreamsDeps extends Omit<StreamSessionDeps, 'endpoint' | 'signal' | 'streamId'> {
  /** The caller's endpoint now (a transfer may replace the leg). */
  endpoint: () => MediaEndpoint;
}

/** Stopped streams kept for the REST list (rest-api 3.5 lists "active and stopped streams"). */
const KEEP_ENDED = 50;

/**
 * The streams of one call, whoever started them (the `<Stream>` verb or the REST API,
 * rest-api 3.5): start, find by id, list, stop one or all. `close()` at the call's end stops
 * every stream; `settled()` then waits for their last status callbacks.
 */
export class CallStreams {
  private readonly sessions = new Map<string, StreamSession>();
  private closed = false;

  constructor(private readonly deps: CallStreamsDeps) {}

  /**
   * Starts a stream; `signal` ends it too (a verb's). Throws a StreamError (code
   * BAD_CONTENT_TYPE / BAD_URL) for a request the spec does not allow, or STATE once closed.
   */
  start(config: StreamConfig, opts: { signal?: AbortSignal; streamId?: string } = {}): StreamSession {
    const d = this.deps;
    const session = new StreamSession(config, {
      callUuid: d.callUuid,
      accountId: d.accountId,
      endpoint: d.endpoint(),
      ...(d.clock ? { clock: d.clock } : {}),
      ...(d.wallClock ? { wallClock: d.wallClock } : {}),
      ...(d.log ? { log: d.log } : {}),
      ...(d.notify ? { notify: d.notify } : {}),
      ...(d.limits ? { limits: d.limits } : {}),
      ...(d.ticker ? { ticker: d.ticker } : {}),
      ...(d.egress ? { egress: d.egress } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.streamId ? { streamId: opts.streamId } : {}),
    });
    this.sessions.set(session.id, session);
    this.prune();
    session.start();
    if (this.closed) session.stop('call-ended');
    return session;
  }

  /** By the id the REST API knows, or the id of its current connection. */
  get(id: string): StreamSession | undefined {
    const s = this.sessions.get(id);
    if (s) return s;
    for (const session of this.sessions.values()) if (session.streamId === id) return session;
    return undefined;
  }

  list(): StreamInfoRecord[] {
    return [...this.sessions.values()].map((s) => s.info());
  }

  /** Stops one live stream; false when unknown or already stopped (the API's 404). */
  stop(id: string): boolean {
    return this.get(id)?.stop('api') ?? false;
  }

  /** Stops every live stream (REST "stop all": 204 even when none). */
  stopAll(): void {
    for (const s of this.sessions.values()) s.stop('api');
  }

  get active(): number {
    let n = 0;
    for (const s of this.sessions.values()) if (!s.ended) n++;
    return n;
  }

  /** The call ended: every stream stops, and none can start. */
  close(): void {
    this.closed = true;
    for (const s of this.sessions.values()) s.stop('call-ended');
  }

  async settled(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.settled()));
  }

  private prune(): void {
    let ended = 0;
    for (const s of this.sessions.values()) if (s.ended) ended++;
    for (const [id, s] of this.sessions) {
      if (ended <= KEEP_ENDED) break;
      if (s.ended) {
        this.sessions.delete(id);
        ended--;
      }
    }
  }
}
