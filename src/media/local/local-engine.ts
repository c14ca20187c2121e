import { type Logger, lazyChild, silentLogger } from '../../util/log.ts';
import { MediaClock } from '../media-clock.ts';
import type {
  AudioDirection,
  EndpointOptions,
  MediaBridge,
  MediaConference,
  MediaEndpoint,
  MediaEngine,
  MediaEngineStats,
} from '../media-engine.ts';
import { Recorder, type RecordInput, type Recording, type RecordOptions } from '../record/recorder.ts';
import { RtpPortPool } from '../rtp/port-pool.ts';
import { RtpSession } from '../rtp/rtp-session.ts';
import type { MediaFetcher } from '../source/media-fetcher.ts';
import type { TtsProvider } from '../source/tts.ts';
import { LocalBridge } from './local-bridge.ts';
import { LocalConference } from './local-conference.ts';
import { LocalEndpoint } from './local-endpoint.ts';
import { MediaLoader } from './media-loader.ts';

export interface LocalMediaEngineOptions {
  /** The PATCHBAY_RTP_PORTS range. */
  ports: { low: number; high: number };
  /** Address to bind RTP sockets to and to write into SDP. */
  address: string;
  clock?: MediaClock;
  fetcher?: MediaFetcher;
  tts?: TtsProvider;
  logger?: Logger;
}

export class MediaEngineError extends Error {
  constructor(
    readonly code: 'FOREIGN_ENDPOINT' | 'ENDPOINT_CLOSED' | 'ENGINE_CLOSED',
    message: string,
  ) {
    super(message);
    this.name = 'MediaEngineError';
  }
}

/** The media engine that runs every stream inside this process, on one media clock. */
export class LocalMediaEngine implements MediaEngine {
  readonly clock: MediaClock;
  readonly loader: MediaLoader;
  private readonly pool: RtpPortPool;
  private readonly endpoints = new Set<LocalEndpoint>();
  private readonly bridges = new Set<LocalBridge>();
  /** The bridges of each endpoint: closing one ends its bridges without a look at all the others. */
  private readonly bridgesOf = new Map<LocalEndpoint, Set<LocalBridge>>();
  private readonly conferences = new Set<LocalConference>();
  private readonly recordings = new Set<Recorder>();
  private readonly log: Logger;
  private nextId = 1;
  private closed = false;

  constructor(private readonly opts: LocalMediaEngineOptions) {
    this.clock = opts.clock ?? new MediaClock();
    this.log = opts.logger ?? silentLogger;
    this.clock.onError((err) => this.log.error({ err }, 'media tick failed'));
    this.pool = new RtpPortPool({
      low: opts.ports.low,
      high: opts.ports.high,
      host: opts.address,
      // Sockets of ended legs are kept bound and reused after a rest of 2 s (bind + close per
      // leg was a tenth of a call's cost). Every free pair of the range may rest, up to 8192:
      // a cap of half the range closed a fifth of the pairs released at 800 calls a second
      // (1,600 pairs a second want 3,200 resting) and bound others, about 40 us per socket.
      // When the range is full the oldest resting pair goes out before its rest is over.
      reuse: { maxIdle: Math.min(8192, Math.floor((opts.ports.high - opts.ports.low + 1) / 2)) },
    });
    this.loader = new MediaLoader({
      ...(opts.fetcher ? { fetcher: opts.fetcher } : {}),
      ...(opts.tts ? { tts: opts.tts } : {}),
    });
  }

  /** The RTP port range this engine allocates from. */
  get ports(): { low: number; high: number } {
    return { ...this.opts.ports };
  }

  async createEndpoint(options: EndpointOptions = {}): Promise<LocalEndpoint> {
    if (this.closed) throw new MediaEngineError('ENGINE_CLOSED', 'the media engine is closed');
    const address = options.address ?? this.opts.address;
    const allocation = await this.pool.allocate({ host: address });
    const id = `ep-${this.nextId++}`;
    const log = lazyChild(
      this.log,
      options.label ? { endpoint: id, label: options.label } : { endpoint: id },
    );
    const session = new RtpSession({ allocation, logger: log });
    const ep = new LocalEndpoint({
      id,
      session,
      clock: this.clock,
      loader: this.loader,
      address,
      options,
      onClosed: (e) => this.endpointClosed(e),
    });
    this.endpoints.add(ep);
    return ep;
  }

  bridge(a: MediaEndpoint, b: MediaEndpoint): MediaBridge {
    const ea = this.own(a);
    const eb = this.own(b);
    const bridge = new LocalBridge(ea, eb, (x) => this.bridgeDestroyed(x));
    this.bridges.add(bridge);
    this.indexBridge(ea, bridge);
    this.indexBridge(eb, bridge);
    return bridge;
  }

  createConference(): MediaConference {
    const c = new LocalConference(this.clock, this.loader, (x) => this.conferences.delete(x));
    this.conferences.add(c);
    return c;
  }

  async record(opts: RecordOptions): Promise<Recording> {
    const r = await Recorder.start(opts, this.clock);
    this.recordings.add(r);
    r.done.then(() => this.recordings.delete(r));
    return r;
  }

  /** A recorder input for one direction of an endpoint, with its DTMF and its end. */
  input(endpoint: MediaEndpoint, direction: AudioDirection): RecordInput {
    const ep = this.own(endpoint);
    return {
      onAudio: (l) => ep.onAudio(direction, l),
      onDtmf: (l) => ep.onDtmf(l),
      closed: ep.whenClosed,
    };
  }

  stats(): MediaEngineStats {
    const c = this.clock.stats();
    return {
      endpoints: this.endpoints.size,
      portsInUse: this.pool.inUse,
      portsIdle: this.pool.idleCount,
      portCapacity: this.pool.capacity,
      bridges: this.bridges.size,
      conferences: this.conferences.size,
      recordings: this.recordings.size,
      clock: {
        ticks: c.ticks,
        skipped: c.skipped,
        maxLateMs: c.maxLateMs,
        senders: c.lanes.reduce((n, l) => n + l, 0),
        idle: c.idle,
      },
    };
  }

  /**
   * Closes the RTP sockets of ended legs kept bound for reuse (they are the pool's, not
   * leaked): afterwards the range is free of all but live endpoints.
   */
  closeIdlePorts(): Promise<void> {
    return this.pool.closeIdle();
  }

  /** Ends every recording (files complete), conference, bridge and endpoint. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.recordings].map((r) => r.stop()));
    for (const c of [...this.conferences]) c.destroy();
    for (const b of [...this.bridges]) b.destroy();
    await Promise.all([...this.endpoints].map((e) => e.close()));
    await this.pool.close();
  }

  private own(ep: MediaEndpoint): LocalEndpoint {
    if (!(ep instanceof LocalEndpoint) || !this.endpoints.has(ep)) {
      throw new MediaEngineError('FOREIGN_ENDPOINT', `endpoint ${ep.id} does not belong to this engine`);
    }
    return ep;
  }

  private endpointClosed(ep: LocalEndpoint): void {
    this.endpoints.delete(ep);
    const joined = this.bridgesOf.get(ep);
    if (joined) for (const b of [...joined]) b.destroy();
  }

  private indexBridge(ep: LocalEndpoint, bridge: LocalBridge): void {
    let set = this.bridgesOf.get(ep);
    if (!set) {
      set = new Set();
      this.bridgesOf.set(ep, set);
    }
    set.add(bridge);
  }

  private bridgeDestroyed(bridge: LocalBridge): void {
    this.bridges.delete(bridge);
    for (const ep of [bridge.a, bridge.b]) {
      const set = this.bridgesOf.get(ep);
      if (!set) continue;
      set.delete(bridge);
      if (set.size === 0) this.bridgesOf.delete(ep);
    }
  }
}
