/** Categories callers test for (`err.code`), never message text. */
export type DetectorErrorCode =
  | 'BAD_OPTION' // an option out of its range
  | 'STATE'; // an illegal state move (a bug)

/** Thrown by the audio detectors of this folder. */
export class DetectorError extends Error {
  readonly code: DetectorErrorCode;

  constructor(code: DetectorErrorCode, message: string) {
    super(message);
    this.name = 'DetectorError';
    this.code = code;
  }
}

export interface SilenceDetectorOptions {
  /** Continuous silence needed (Wait `minSilence`, ms). */
  minSilenceMs: number;
  /** When listening began (ms, the caller's clock): silence counts from there. */
  startMs: number;
  /**
   * Mean absolute level (after removing DC) under which a frame is silent. Default 150,
   * about -45 dBov, the level the recorder uses for its silence timeout.
   */
  threshold?: number;
}

/** Default silence level: the recorder's (src/media/record/recorder.ts). */
const SILENCE_LEVEL = 150;

type State = 'silent' | 'sound' | 'complete';

const MOVES: Readonly<Record<State, readonly State[]>> = {
  silent: ['sound', 'complete'],
  sound: ['sound', 'silent', 'complete'],
  complete: [],
};

/**
 * Tells when `minSilenceMs` of continuous silence have been heard (Wait silence="true",
 * vobizxml.md 2.3). A frame is loud when its mean absolute level, DC removed, is over the
 * threshold: low hiss and comfort noise stay under it (white noise at -50 dBov reads about
 * 80), and so does a line with a DC offset. Time without frames is silence too: a peer that
 * stops sending RTP (or sends only RFC 3389 comfort-noise packets, which carry no audio)
 * is silent, so the owner also asks `check(now)` from a timer armed for `dueAtMs`.
 *
 * `atMs` is when a frame arrived, i.e. when its audio ended: a loud frame restarts the
 * silence from there.
 *
 *   +--------+  loud frame   +-------+
 *   | silent | ------------> | sound | --+ loud frame
 *   +--------+ <------------ +-------+ <-+
 *        |      quiet frame      |
 *        |                       |  minSilenceMs since the last loud frame
 *        +----------+------------+  (a frame or check(now); frames or none)
 *                   v
 *             +----------+
 *             | complete |  (final: silence heard)
 *             +----------+
 */
export class SilenceDetector {
  private readonly minSilenceMs: number;
  private readonly threshold: number;
  private state: State = 'silent';
  /** End of the last loud frame (the start of listening before any). */
  private quietSince: number;

  constructor(opts: SilenceDetectorOptions) {
    if (!(opts.minSilenceMs > 0) || !Number.isFinite(opts.minSilenceMs)) {
      throw new DetectorError(
        'BAD_OPTION',
        `minSilenceMs must be a positive number, got ${opts.minSilenceMs}`,
      );
    }
    const threshold = opts.threshold ?? SILENCE_LEVEL;
    if (!(threshold > 0))
      throw new DetectorError('BAD_OPTION', `threshold must be positive, got ${threshold}`);
    this.minSilenceMs = opts.minSilenceMs;
    this.threshold = threshold;
    this.quietSince = opts.startMs;
  }

  /** When the silence will be complete if nothing loud arrives before (ms). */
  get dueAtMs(): number {
    return this.quietSince + this.minSilenceMs;
  }

  /** Whether `minSilenceMs` of silence have been heard. */
  get complete(): boolean {
    return this.state === 'complete';
  }

  /** Whether the last frame was loud. */
  get hearingSound(): boolean {
    return this.state === 'sound';
  }

  /** Feeds one frame (8 kHz PCM, any length) that arrived at `atMs`; true once the silence is complete. */
  push(samples: Int16Array, atMs: number): boolean {
    if (this.state === 'complete') return true;
    if (isLoud(samples, this.threshold)) {
      this.quietSince = Math.max(this.quietSince, atMs);
      this.transition('sound');
      return false;
    }
    if (this.state === 'sound') this.transition('silent');
    return this.check(atMs);
  }

  /** Whether the silence is complete at `nowMs`, frames or none; the owner calls it from a timer. */
  check(nowMs: number): boolean {
    if (this.state === 'complete') return true;
    if (nowMs < this.dueAtMs) return false;
    this.transition('complete');
    return true;
  }

  private transition(to: State): void {
    if (!MOVES[this.state].includes(to)) {
      throw new DetectorError('STATE', `SilenceDetector: ${this.state} -> ${to} is not a legal move`);
    }
    this.state = to;
  }
}

/** Mean absolute deviation from the frame's mean over the threshold. */
function isLoud(samples: Int16Array, threshold: number): boolean {
  const n = samples.length;
  if (n === 0) return false;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += samples[i];
  const mean = sum / n;
  let dev = 0;
  for (let i = 0; i < n; i++) {
    const d = samples[i] - mean;
    dev += d < 0 ? -d : d;
  }
  return dev / n > threshold;
}
