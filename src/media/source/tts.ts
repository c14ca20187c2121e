import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type Logger, silentLogger } from '../../util/log.ts';
import { type ResolvedVoice, resolveVoice } from './tts-voices.ts';

export type TtsErrorCode =
  | 'TTS_EMPTY' // nothing to say
  | 'TTS_TOO_LONG' // text over the provider's limit
  | 'TTS_FAILED' // the synthesizer ran and failed, or its output is unusable
  | 'TTS_TIMEOUT' // the synthesizer ran too long and was killed
  | 'TTS_ABORTED' // the caller's AbortSignal fired
  | 'TTS_UNAVAILABLE'; // the synthesizer cannot be started (binary missing)

export class TtsError extends Error {
  readonly code: TtsErrorCode;

  constructor(code: TtsErrorCode, message: string) {
    super(message);
    this.name = 'TtsError';
    this.code = code;
  }
}

export interface TtsRequest {
  text: string;
  /** 'WOMAN' | 'MAN' | other (see `resolveVoice`); default WOMAN. */
  voice?: string;
  /** A vobizxml.md 2.1 language code; default en-US. */
  language?: string;
  /** The text is SSML; also assumed when it starts with `<speak`. */
  ssml?: boolean;
}

export interface TtsResult {
  /** A WAV file; it stays valid while the cache keeps it. */
  file: string;
  /** True when the file was already in the cache. */
  cached: boolean;
}

export interface TtsProvider {
  readonly name: string;
  synthesize(req: TtsRequest, signal?: AbortSignal): Promise<TtsResult>;
}

export interface EspeakTtsOptions {
  cacheDir: string;
  /** Path or name (PATH lookup) of espeak-ng. Default 'espeak-ng'. */
  binary?: string;
  /** Per process run. Default 15 s. */
  timeoutMs?: number;
  /** Synthesizer processes at once; further requests queue. Default 2. */
  maxConcurrent?: number;
  /** Characters. Default 5000. */
  maxTextLength?: number;
  logger?: Logger;
}

export interface EspeakTtsStats {
  /** Processes started since creation. */
  spawned: number;
  /** Requests answered from the cache. */
  cacheHits: number;
  /** Requests that joined a synthesis already under way. */
  shared: number;
}

/** Part of every cache key: bump when the arguments or the output format change. */
const PROVIDER_VERSION = 'patchbay-espeak-ng/1';
/** A RIFF/WAVE header alone: output no longer than this has no audio. */
const WAV_HEADER_BYTES = 44;
const STDERR_LIMIT = 2000;

interface Job {
  key: string;
  promise: Promise<string>;
  /** Callers still waiting; when the last one aborts, the process is killed. */
  waiters: number;
  controller: AbortController;
}

/**
 * Text to speech with a local espeak-ng, one process per synthesis (spawned directly, the
 * text on stdin), cached on disk as `<cacheDir>/<sha256>.wav` (22050 Hz 16-bit mono WAV).
 * Identical concurrent requests share one process; at most `maxConcurrent` run at once.
 */
export class EspeakTtsProvider implements TtsProvider {
  readonly name = 'espeak-ng';
  readonly stats: EspeakTtsStats = { spawned: 0, cacheHits: 0, shared: 0 };
  private readonly cacheDir: string;
  private readonly binary: string;
  private readonly timeoutMs: number;
  private readonly maxConcurrent: number;
  private readonly maxTextLength: number;
  private readonly logger: Logger;
  private readonly inFlight = new Map<string, Job>();
  private readonly queue: Array<() => void> = [];
  private active = 0;
  private dirReady: Promise<void> | undefined;

  constructor(opts: EspeakTtsOptions) {
    this.cacheDir = opts.cacheDir;
    this.binary = opts.binary ?? 'espeak-ng';
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.maxConcurrent = Math.max(1, opts.maxConcurrent ?? 2);
    this.maxTextLength = opts.maxTextLength ?? 5000;
    this.logger = opts.logger ?? silentLogger;
  }

  /** Processes running now, and requests waiting for a free slot. */
  get load(): { running: number; queued: number } {
    return { running: this.active, queued: this.queue.length };
  }

  async synthesize(req: TtsRequest, signal?: AbortSignal): Promise<TtsResult> {
    const text = req.text ?? '';
    if (text.trim() === '') throw new TtsError('TTS_EMPTY', 'nothing to synthesize: the text is empty');
    if (text.length > this.maxTextLength) {
      throw new TtsError('TTS_TOO_LONG', `text of ${text.length} characters exceeds ${this.maxTextLength}`);
    }
    if (signal?.aborted) throw aborted();
    const voice = resolveVoice(req.voice, req.language);
    if (voice.fellBack) {
      this.logger.info(
        { voice: req.voice, language: req.language, used: `${voice.language} ${voice.voice}` },
        'tts voice not available, falling back',
      );
    }
    const ssml = req.ssml === true || /^\s*<speak[\s>/]/i.test(text);
    const key = cacheKey(text, voice, ssml);
    const file = join(this.cacheDir, `${key}.wav`);

    let job = this.inFlight.get(key);
    if (job === undefined) {
      if (await isFile(file)) {
        this.stats.cacheHits++;
        return { file, cached: true };
      }
      if (signal?.aborted) throw aborted();
      job = this.inFlight.get(key);
    }
    if (job === undefined) job = this.start(key, file, text, voice, ssml);
    else this.stats.shared++;
    return { file: await this.wait(job, signal), cached: false };
  }

  private start(key: string, file: string, text: string, voice: ResolvedVoice, ssml: boolean): Job {
    const job: Job = { key, promise: Promise.resolve(file), waiters: 0, controller: new AbortController() };
    this.inFlight.set(key, job);
    job.promise = this.produce(file, text, voice, ssml, job.controller.signal).finally(() =>
      this.forget(job),
    );
    return job;
  }

  /** Drops a job from the in-flight map unless a newer one took its key. */
  private forget(job: Job): void {
    if (this.inFlight.get(job.key) === job) this.inFlight.delete(job.key);
  }

  /** Queue, run espeak-ng into a temporary file, then rename it into the cache (atomic on one filesystem). */
  private async produce(
    file: string,
    text: string,
    voice: ResolvedVoice,
    ssml: boolean,
    signal: AbortSignal,
  ): Promise<string> {
    await this.acquire(signal);
    const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    const started = performance.now();
    try {
      await this.ensureDir();
      const args = ['-v', `${voice.espeakVoice}+${voice.variant}`, '-b', '1', '-w', tmp];
      if (ssml) args.push('-m');
      args.push('--stdin');
      await this.run(args, text, signal);
      const size = (await stat(tmp).catch(() => undefined))?.size ?? 0;
      if (size <= WAV_HEADER_BYTES)
        throw new TtsError('TTS_FAILED', `espeak-ng wrote no audio (${size} bytes)`);
      await rename(tmp, file);
      this.logger.debug(
        { file, voice: voice.espeakVoice, ms: Math.round(performance.now() - started) },
        'tts synthesized',
      );
      return file;
    } catch (err) {
      await unlink(tmp).catch(() => {});
      if (err instanceof TtsError) throw err;
      throw new TtsError('TTS_FAILED', `tts cache write failed: ${(err as Error).message}`);
    } finally {
      this.release();
    }
  }

  /** One espeak-ng process; settles only once the process is gone. */
  private run(args: string[], text: string, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let child: ChildProcess;
      try {
        // Never a shell: the text goes through stdin, arguments are ours.
        child = spawn(this.binary, args, { stdio: ['pipe', 'ignore', 'pipe'] });
      } catch (err) {
        reject(spawnError(this.binary, err));
        return;
      }
      let settled = false;
      let failure: TtsError | undefined;
      let stderr = '';
      const kill = (err: TtsError): void => {
        failure ??= err;
        child.kill('SIGKILL');
      };
      const onAbort = (): void => kill(aborted());
      const timer = setTimeout(
        () => kill(new TtsError('TTS_TIMEOUT', `espeak-ng ran over ${this.timeoutMs} ms and was killed`)),
        this.timeoutMs,
      );
      const finish = (err?: TtsError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      if (signal.aborted) kill(aborted());
      else signal.addEventListener('abort', onAbort, { once: true });

      child.once('spawn', () => this.stats.spawned++);
      child.once('error', (err) => finish(failure ?? spawnError(this.binary, err)));
      child.once('close', (code, sig) => {
        if (failure) finish(failure);
        else if (code !== 0) {
          const why = stderr.trim() || (sig ? `signal ${sig}` : `exit code ${code}`);
          finish(new TtsError('TTS_FAILED', `espeak-ng failed: ${why}`));
        } else finish();
      });
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => {
        if (stderr.length < STDERR_LIMIT) stderr += chunk;
      });
      // A child that dies early breaks the pipe; its exit status tells why.
      child.stdin?.on('error', () => {});
      child.stdin?.end(text);
    });
  }

  /** Resolves a shared job for one caller, who may leave early through its own signal. */
  private wait(job: Job, signal?: AbortSignal): Promise<string> {
    job.waiters++;
    return new Promise<string>((resolve, reject) => {
      const onAbort = (): void => {
        job.waiters--;
        if (job.waiters === 0) {
          // Nobody wants it any more: kill the process; a new request starts afresh.
          this.forget(job);
          job.controller.abort();
        }
        reject(aborted());
      };
      if (signal) {
        if (signal.aborted) {
          onAbort();
          return;
        }
        signal.addEventListener('abort', onAbort, { once: true });
      }
      job.promise.then(
        (file) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(file);
        },
        (err: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      );
    });
  }

  /** A process slot; waits in FIFO order when all are taken. */
  private acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(aborted());
    if (this.active < this.maxConcurrent) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const grant = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        const i = this.queue.indexOf(grant);
        if (i >= 0) this.queue.splice(i, 1);
        reject(aborted());
      };
      this.queue.push(grant);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Hands the slot to the next in line (the count stays), or frees it. */
  private release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.active--;
  }

  private ensureDir(): Promise<void> {
    this.dirReady ??= mkdir(this.cacheDir, { recursive: true }).then(
      () => {},
      (err: Error) => {
        this.dirReady = undefined;
        throw new TtsError('TTS_FAILED', `cannot create tts cache ${this.cacheDir}: ${err.message}`);
      },
    );
    return this.dirReady;
  }
}

function cacheKey(text: string, voice: ResolvedVoice, ssml: boolean): string {
  // The SSML flag is part of the key: the same text read with and without -m sounds different.
  const material = JSON.stringify([
    PROVIDER_VERSION,
    text,
    `${voice.espeakVoice}+${voice.variant}`,
    voice.language,
    ssml,
  ]);
  return createHash('sha256').update(material).digest('hex');
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function aborted(): TtsError {
  return new TtsError('TTS_ABORTED', 'speech synthesis aborted');
}

function spawnError(binary: string, err: unknown): TtsError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'EACCES') {
    return new TtsError(
      'TTS_UNAVAILABLE',
      `cannot run ${binary} (${code}): install espeak-ng (Debian package espeak-ng) or set its path`,
    );
  }
  return new TtsError('TTS_FAILED', `cannot start ${binary}: ${(err as Error).message}`);
}
