/**
 * A VerbContext for verb tests: a fake endpoint that records what it was asked to play and
 * lets the test press keys and feed audio, a FakeClock, an AbortController for the call's
 * end, recorded notifications and background tasks, and a logger whose lines the test reads.
 * A real endpoint and engine (LocalMediaEngine on loopback) can be given instead.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type {
  CallflowSettings,
  HttpMethod,
  RecordingFiles,
  RecordingTarget,
  VerbContext,
  WebhookParams,
} from '../../src/callflow/verb.ts';
import type { DtmfDigit, DtmfEvent } from '../../src/media/dtmf/types.ts';
import type {
  AudioDirection,
  AudioListener,
  MediaEndpoint,
  MediaEngine,
  PlayItem,
} from '../../src/media/media-engine.ts';
import type { Playback, PlayOptions, PlayResult } from '../../src/media/play/player.ts';
import type { MediaCapabilities } from '../../src/sip/sdp/negotiated-media.ts';
import type { Logger } from '../../src/util/log.ts';
import { FakeClock } from './fake-clock.ts';

/** One play() request the fake endpoint got; the test ends it with finish() (or it is stopped). */
export class FakePlayback implements Playback {
  private static next = 1;
  readonly id = FakePlayback.next++;
  readonly done: Promise<PlayResult>;
  ended: PlayResult['reason'] | undefined;
  private resolve!: (r: PlayResult) => void;

  constructor(
    readonly items: PlayItem[],
    readonly opts: PlayOptions,
  ) {
    this.done = new Promise((r) => {
      this.resolve = r;
    });
    if (opts.signal?.aborted) this.end('stopped');
    else opts.signal?.addEventListener('abort', () => this.end('stopped'), { once: true });
  }

  readonly playedSamples = 0;
  readonly positionMs = 0;

  stop(): void {
    this.end('stopped');
  }

  /** The audio played to its end (or failed). */
  finish(reason: 'finished' | 'error' = 'finished'): void {
    this.end(reason);
  }

  private end(reason: PlayResult['reason']): void {
    if (this.ended) return;
    this.ended = reason;
    this.resolve({
      reason,
      playedMs: 0,
      ...(reason === 'error' ? { error: new Error('fake failure') } : {}),
    });
  }
}

export class FakeEndpoint implements MediaEndpoint {
  readonly id = 'fake-ep';
  readonly plays: FakePlayback[] = [];
  closed = false;
  receiving = true;
  readonly whenClosed: Promise<void>;
  private resolveClosed!: () => void;
  private readonly dtmf = new Set<(e: DtmfEvent) => void>();
  private readonly audio: Record<AudioDirection, Set<AudioListener>> = { in: new Set(), out: new Set() };

  constructor() {
    this.whenClosed = new Promise((r) => {
      this.resolveClosed = r;
    });
  }

  capabilities(): MediaCapabilities {
    throw new Error('the fake endpoint has no SDP');
  }

  configure(): void {
    throw new Error('the fake endpoint has no SDP');
  }

  play(items: PlayItem[], opts: PlayOptions = {}): Playback {
    const p = new FakePlayback(items, opts);
    this.plays.push(p);
    return p;
  }

  stopPlayback(): void {
    for (const p of this.plays) p.stop();
  }

  async sendDtmf(): Promise<void> {}

  onDtmf(listener: (e: DtmfEvent) => void): () => void {
    this.dtmf.add(listener);
    return () => this.dtmf.delete(listener);
  }

  onAudio(direction: AudioDirection, listener: AudioListener): () => void {
    this.audio[direction].add(listener);
    return () => this.audio[direction].delete(listener);
  }

  stats(): never {
    throw new Error('the fake endpoint has no RTP');
  }

  /** The caller presses `digits`, one event each. */
  press(digits: string): void {
    for (const digit of digits) {
      const e: DtmfEvent = {
        digit: digit as DtmfDigit,
        source: 'rfc4733',
        atMs: Date.now(),
        durationMs: 100,
      };
      for (const l of [...this.dtmf]) l(e);
    }
  }

  /** Audio heard (`in`) or sent (`out`). */
  emitAudio(direction: AudioDirection, samples: Int16Array, atMs = 0): void {
    for (const l of [...this.audio[direction]]) l(samples, atMs);
  }

  get dtmfListeners(): number {
    return this.dtmf.size;
  }

  /** Playbacks not ended yet. */
  get playing(): FakePlayback[] {
    return this.plays.filter((p) => !p.ended);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopPlayback();
    this.resolveClosed();
  }
}

/** An engine for tests that never reach it. */
const noEngine: MediaEngine = new Proxy({} as MediaEngine, {
  get(_t, name) {
    return () => {
      throw new Error(`the fake context has no media engine (${String(name)})`);
    };
  },
});

export interface Notification {
  url: string;
  method: HttpMethod;
  /** Standard parameters plus the extra ones, as the webhook would send them. */
  params: WebhookParams;
  extra: WebhookParams;
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface FakeVerbContextOptions {
  endpoint?: MediaEndpoint;
  engine?: MediaEngine;
  clock?: VerbContext['clock'];
  settings?: Partial<CallflowSettings>;
  answered?: boolean;
  /** Folder for recordings; by default a new temporary one, made at the first recording (the test removes it). */
  recordingsDir?: string;
  /** Real recording files instead of the folder above (their allocations are not listed in recordingTargets). */
  recordings?: RecordingFiles;
}

export const STANDARD_PARAMS: Readonly<WebhookParams> = Object.freeze({
  CallUUID: 'call-1',
  From: '+15550001111',
  To: '+15550002222',
  Direction: 'inbound',
  CallStatus: 'in-progress',
});

export interface FakeVerbContext extends VerbContext {
  readonly fakeEndpoint: FakeEndpoint;
  readonly fakeClock: FakeClock;
  readonly notifications: Notification[];
  readonly logs: LogLine[];
  readonly recordingTargets: RecordingTarget[];
  /** What scheduleHangup() was asked, in ms; the call ends when the clock gets there. */
  readonly scheduledHangups: number[];
  /** The background tasks handed over, in order. */
  readonly tasks: Array<Promise<unknown>>;
  /** The call ends: the signal aborts. */
  hangup(): void;
  /** Waits for every background task (also those started while waiting). */
  settle(): Promise<void>;
}

export function fakeVerbContext(opts: FakeVerbContextOptions = {}): FakeVerbContext {
  const fakeEndpoint = new FakeEndpoint();
  const fakeClock = new FakeClock();
  const controller = new AbortController();
  const notifications: Notification[] = [];
  const logs: LogLine[] = [];
  const tasks: Array<Promise<unknown>> = [];
  const recordingTargets: RecordingTarget[] = [];
  const scheduledHangups: number[] = [];
  const clock = opts.clock ?? fakeClock;
  let dir = opts.recordingsDir;
  let nextRecording = 1;
  const recordings: RecordingFiles = {
    allocate(callUuid) {
      dir ??= mkdtempSync(join(tmpdir(), 'patchbay-verb-'));
      const id = `rec-${nextRecording++}`;
      const target = {
        id,
        file: join(dir, `${callUuid}-${id}.wav`),
        url: `http://127.0.0.1:8080/rec/${id}.wav`,
      };
      recordingTargets.push(target);
      return target;
    },
  };
  const log: Logger = pino(
    { level: 'trace' },
    {
      write(line: string) {
        logs.push(JSON.parse(line) as LogLine);
      },
    },
  );
  return {
    callUuid: STANDARD_PARAMS.CallUUID as string,
    endpoint: opts.endpoint ?? fakeEndpoint,
    engine: opts.engine ?? noEngine,
    signal: controller.signal,
    clock,
    log,
    recordings: opts.recordings ?? recordings,
    settings: { gatherActionOnEmpty: false, ...opts.settings },
    answered: opts.answered ?? true,
    params: () => ({ ...STANDARD_PARAMS }),
    async notify(url, method, extra) {
      notifications.push({ url, method, params: { ...STANDARD_PARAMS, ...extra }, extra });
    },
    background(task) {
      tasks.push(task);
    },
    scheduleHangup(ms) {
      scheduledHangups.push(ms);
      clock.setTimer(ms, () => controller.abort());
    },
    async answer() {},
    preAnswer: () => !controller.signal.aborted,
    get dialer(): never {
      throw new Error('the fake context places no calls');
    },
    async loadSound() {
      return [];
    },
    fakeEndpoint,
    fakeClock,
    scheduledHangups,
    notifications,
    logs,
    recordingTargets,
    tasks,
    hangup: () => controller.abort(),
    async settle() {
      let seen = -1;
      while (seen !== tasks.length) {
        seen = tasks.length;
        await Promise.all(tasks);
      }
    },
  };
}
