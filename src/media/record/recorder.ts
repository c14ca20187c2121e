import { type FileHandle, open } from 'node:fs/promises';
import { PcmFifo } from '../audio/pcm-fifo.ts';
import { WAV_HEADER_BYTES, wavHeader } from '../audio/wav.ts';
import type { DtmfEvent } from '../dtmf/types.ts';
import type { MediaClock, MediaTicker } from '../media-clock.ts';
import type { AudioListener } from '../media-engine.ts';

/** Anything whose audio can be tapped: an endpoint direction, a conference mix. */
export interface RecordInput {
  onAudio(listener: AudioListener): () => void;
  /** DTMF heard on this input, for finishOnKey. */
  onDtmf?(listener: (e: DtmfEvent) => void): () => void;
  /** Resolves when the input goes away (the leg hung up). */
  closed?: Promise<void>;
}

export interface RecordOptions {
  file: string;
  /** One input: mono. Two inputs: stereo, first left, unless `mono` mixes them. */
  inputs: RecordInput[];
  mono?: boolean;
  maxLengthMs?: number;
  /** Stop after this much continuous silence (nothing above the threshold on any input). */
  silenceTimeoutMs?: number;
  /** Keys that end the recording, e.g. "#" or "1234567890*#". */
  finishOnKey?: string;
  /** Played before the recording starts (a beep); the recording begins when it ends. */
  before?: Promise<unknown>;
  signal?: AbortSignal;
}

export type RecordingEndReason = 'max-length' | 'silence' | 'dtmf' | 'stopped' | 'hangup' | 'error';

export interface RecordingResult {
  file: string;
  reason: RecordingEndReason;
  durationMs: number;
  bytes: number;
  digit?: string;
  error?: Error;
}

export interface Recording {
  readonly file: string;
  readonly done: Promise<RecordingResult>;
  readonly durationMs: number;
  stop(): Promise<RecordingResult>;
}

const FRAME = 160;
const RATE = 8000;
/** Header and sizes are rewritten after every flush, so a crash loses at most one second. */
const FLUSH_FRAMES = 50;
/** Ticks an input may send nothing before it is in a gap and reads as silence (60 ms). */
const GRACE_FRAMES = 3;
/** The most frames a recording may lag behind its ticks waiting for audio (1 s); past it, silence. */
const MAX_OWED_FRAMES = 50;
/** Mean absolute level under which a frame counts as silence (about -45 dBov). */
const SILENCE_LEVEL = 150;

/**
 * Writes 8 kHz 16-bit PCM WAV from one or two inputs on the media clock ('record' phase).
 * Each input feeds a FIFO from packet arrival; each tick owes the file 20 ms from each, taken
 * once it has come (zeros from an input in a gap), so late packets land in their place, and
 * the file's length is the wall-clock length.
 */
export class Recorder implements Recording, MediaTicker {
  readonly file: string;
  readonly done: Promise<RecordingResult>;
  private resolve!: (r: RecordingResult) => void;
  private readonly channels: 1 | 2;
  private readonly fifos: PcmFifo[];
  /** Per input: audio came since the last tick; ticks in a row without any. */
  private readonly arrived: boolean[];
  private readonly starved: number[];
  private readonly frames: Int16Array[];
  private readonly unsubscribe: Array<() => void> = [];
  private pending: Buffer;
  private pendingFrames = 0;
  private samples = 0;
  /** Ticks whose frame is not written yet (its audio has not come). */
  private owed = 0;
  private silentFrames = 0;
  private fh: FileHandle | undefined;
  private writes: Promise<void> = Promise.resolve();
  private written = 0;
  private removeTicker: (() => void) | undefined;
  private state: 'starting' | 'recording' | 'ending' | 'ended' = 'starting';

  private constructor(
    private readonly opts: RecordOptions,
    private readonly clock: MediaClock,
  ) {
    this.file = opts.file;
    this.channels = opts.inputs.length === 2 && !opts.mono ? 2 : 1;
    this.fifos = opts.inputs.map(() => new PcmFifo(FRAME * MAX_OWED_FRAMES));
    this.arrived = opts.inputs.map(() => false);
    this.starved = opts.inputs.map(() => 0);
    this.frames = opts.inputs.map(() => new Int16Array(FRAME));
    this.pending = Buffer.alloc(FLUSH_FRAMES * FRAME * 2 * this.channels);
    this.done = new Promise((r) => {
      this.resolve = r;
    });
  }

  /** Opens the file (header first) and starts once `before` has played. */
  static async start(opts: RecordOptions, clock: MediaClock): Promise<Recorder> {
    if (opts.inputs.length < 1 || opts.inputs.length > 2)
      throw new Error('a recording takes one or two inputs');
    const r = new Recorder(opts, clock);
    r.fh = await open(opts.file, 'w');
    await r.fh.write(r.header(0), 0, WAV_HEADER_BYTES, 0);
    r.written = 0;
    r.arm();
    return r;
  }

  get durationMs(): number {
    return (this.samples / RATE) * 1000;
  }

  stop(): Promise<RecordingResult> {
    this.end('stopped');
    return this.done;
  }

  onTick(): void {
    if (this.state !== 'recording') return;
    // A frame is owed each tick and written once every input's audio for it has come, so
    // audio that is late (a packet the loop has not read yet, a sender's jitter, 30 ms
    // packets against 20 ms ticks, the clock catching up after a stall) lands in its place
    // instead of after inserted silence. An input that has sent nothing for more than
    // GRACE_FRAMES ticks is in a gap (silence suppression, hold, a side that never talks):
    // it no longer holds the others up and reads as zeros.
    this.owed++;
    for (let c = 0; c < this.fifos.length; c++) {
      this.starved[c] = this.arrived[c] ? 0 : (this.starved[c] as number) + 1;
      this.arrived[c] = false;
    }
    while (this.state === 'recording' && (this.owed > MAX_OWED_FRAMES || (this.owed > 0 && this.ready()))) {
      this.owed--;
      this.writeFrame(true);
    }
  }

  /** Whether each input holds a whole frame or is in a gap. */
  private ready(): boolean {
    for (let c = 0; c < this.fifos.length; c++) {
      if ((this.fifos[c] as PcmFifo).length < FRAME && (this.starved[c] as number) <= GRACE_FRAMES)
        return false;
    }
    return true;
  }

  /** Takes a frame from each input (zeros where it has none) into the file; `checks`: the end conditions. */
  private writeFrame(checks: boolean): void {
    let loud = false;
    for (let c = 0; c < this.fifos.length; c++) {
      const frame = this.frames[c] as Int16Array;
      (this.fifos[c] as PcmFifo).read(frame);
      if (!loud && meanAbs(frame) > SILENCE_LEVEL) loud = true;
    }
    this.appendFrame();
    this.samples += FRAME;
    if (!checks) return;
    const o = this.opts;
    if (o.maxLengthMs !== undefined && this.durationMs >= o.maxLengthMs) {
      this.end('max-length');
      return;
    }
    this.silentFrames = loud ? 0 : this.silentFrames + 1;
    if (o.silenceTimeoutMs !== undefined && this.silentFrames * 20 >= o.silenceTimeoutMs) this.end('silence');
  }

  private arm(): void {
    const o = this.opts;
    const onAbort = () => this.end('stopped');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    void this.done.then(() => o.signal?.removeEventListener('abort', onAbort));
    o.inputs.forEach((input, i) => {
      const fifo = this.fifos[i] as PcmFifo;
      this.unsubscribe.push(
        input.onAudio((pcm) => {
          if (this.state !== 'recording') return;
          fifo.write(pcm);
          this.arrived[i] = true;
        }),
      );
      input.closed?.then(() => this.end('hangup'));
      if (o.finishOnKey && input.onDtmf) {
        this.unsubscribe.push(
          input.onDtmf((e) => {
            if (o.finishOnKey?.includes(e.digit)) this.end('dtmf', e.digit);
          }),
        );
      }
    });
    const begin = () => {
      if (this.state !== 'starting') return;
      this.state = 'recording';
      this.removeTicker = this.clock.add(this, 'record');
    };
    if (o.signal?.aborted) this.end('stopped');
    else if (o.before) o.before.then(begin, begin);
    else begin();
  }

  private appendFrame(): void {
    const base = this.pendingFrames * FRAME * this.channels * 2;
    const buf = this.pending;
    if (this.channels === 2) {
      const l = this.frames[0] as Int16Array;
      const r = this.frames[1] as Int16Array;
      for (let i = 0; i < FRAME; i++) {
        buf.writeInt16LE(l[i] as number, base + i * 4);
        buf.writeInt16LE(r[i] as number, base + i * 4 + 2);
      }
    } else if (this.frames.length === 2) {
      const a = this.frames[0] as Int16Array;
      const b = this.frames[1] as Int16Array;
      for (let i = 0; i < FRAME; i++) {
        const v = (a[i] as number) + (b[i] as number);
        buf.writeInt16LE(v > 32767 ? 32767 : v < -32768 ? -32768 : v, base + i * 2);
      }
    } else {
      const a = this.frames[0] as Int16Array;
      for (let i = 0; i < FRAME; i++) buf.writeInt16LE(a[i] as number, base + i * 2);
    }
    if (++this.pendingFrames === FLUSH_FRAMES) this.flush();
  }

  /** Appends the pending audio and rewrites the sizes, in order, off the clock's path. */
  private flush(): void {
    if (this.pendingFrames === 0) return;
    const bytes = this.pendingFrames * FRAME * this.channels * 2;
    const chunk = Buffer.from(this.pending.subarray(0, bytes));
    this.pendingFrames = 0;
    const fh = this.fh as FileHandle;
    this.writes = this.writes.then(async () => {
      await fh.write(chunk, 0, chunk.length, WAV_HEADER_BYTES + this.written);
      this.written += chunk.length;
      await fh.write(this.header(this.written), 0, WAV_HEADER_BYTES, 0);
    });
  }

  private header(dataBytes: number): Buffer {
    return wavHeader({ sampleRate: RATE, channels: this.channels, bitsPerSample: 16, dataBytes });
  }

  private end(reason: RecordingEndReason, digit?: string): void {
    if (this.state === 'ending' || this.state === 'ended') return;
    const wasRecording = this.state === 'recording';
    this.state = 'ending';
    this.removeTicker?.();
    for (const u of this.unsubscribe) u();
    // The frames still owed (audio that came late, or silence) belong to the recording, so
    // that nothing received is lost and the file keeps the wall-clock length; past a
    // maximum length they do not.
    if (wasRecording && reason !== 'max-length') for (; this.owed > 0; this.owed--) this.writeFrame(false);
    this.flush();
    const fh = this.fh as FileHandle;
    this.writes
      .then(() => fh.close())
      .then(
        () => this.finish(reason, digit),
        (err: unknown) => this.finish('error', digit, err instanceof Error ? err : new Error(String(err))),
      );
  }

  private finish(reason: RecordingEndReason, digit?: string, error?: Error): void {
    this.state = 'ended';
    this.resolve({
      file: this.file,
      reason,
      durationMs: this.durationMs,
      bytes: WAV_HEADER_BYTES + this.written,
      ...(digit ? { digit } : {}),
      ...(error ? { error } : {}),
    });
  }
}

function meanAbs(frame: Int16Array): number {
  let s = 0;
  for (let i = 0; i < frame.length; i++) {
    const v = frame[i] as number;
    s += v < 0 ? -v : v;
  }
  return s / frame.length;
}
