import { readFile, stat } from 'node:fs/promises';
import { decodeAudio } from '../audio/decode.ts';
import { dtmfTone, TONES, ToneSource, type ToneSpec } from '../audio/tone.ts';
import type { PlayItem } from '../media-engine.ts';
import { type AudioSource, ClipSource, RestartableSource, SilenceSource } from '../play/audio-source.ts';
import type { MediaFetcher } from '../source/media-fetcher.ts';
import type { TtsProvider } from '../source/tts.ts';

export class MediaLoadError extends Error {
  readonly code = 'MEDIA_LOAD_FAILED';
}

/**
 * Turns a play request into audio: fetches URLs, runs TTS, decodes files to 8 kHz mono.
 * Decoded clips are kept in memory (least recently used first out) so a prompt played on
 * every call is decoded once.
 */
export class MediaLoader {
  private readonly clips = new Map<string, Promise<Int16Array>>();
  private readonly sizes = new Map<string, number>();
  private cachedSamples = 0;

  constructor(
    private readonly deps: {
      fetcher?: MediaFetcher;
      tts?: TtsProvider;
      /** Decoded-clip cache budget in samples (2 bytes each). Default 32 Mi samples = 64 MiB. */
      maxCachedSamples?: number;
    },
  ) {}

  async load(item: PlayItem, signal?: AbortSignal): Promise<AudioSource> {
    switch (item.kind) {
      case 'pcm':
        return new ClipSource(item.samples);
      case 'source':
        return item.source;
      case 'silence':
        return new SilenceSource(Math.round(item.durationMs * 8));
      case 'tone':
        return toneSource({
          ...TONES[item.tone],
          ...(item.durationMs !== undefined ? { totalMs: item.durationMs } : {}),
        });
      case 'file': {
        const s = await stat(item.path);
        return new ClipSource(
          await this.clip(`file:${item.path}:${s.mtimeMs}:${s.size}`, () => readFile(item.path)),
        );
      }
      case 'url': {
        const fetcher = this.deps.fetcher;
        if (!fetcher) throw new MediaLoadError('no media fetcher configured');
        const got = await fetcher.fetch(item.url, signal);
        const s = await stat(got.file);
        // Not the mtime: the fetcher touches its files on every use (its LRU order). A new
        // body replaces the file by a rename, so a new version has a new inode.
        return new ClipSource(
          await this.clip(`url:${got.file}:${s.ino}:${s.size}`, () => readFile(got.file)),
        );
      }
      case 'speak': {
        const tts = this.deps.tts;
        if (!tts) throw new MediaLoadError('no text-to-speech provider configured');
        const req = {
          text: item.text,
          ...(item.voice !== undefined ? { voice: item.voice } : {}),
          ...(item.language !== undefined ? { language: item.language } : {}),
        };
        const out = await tts.synthesize(req, signal);
        return new ClipSource(await this.clip(`tts:${out.file}`, () => readFile(out.file)));
      }
    }
  }

  /** A DTMF key as tones, for peers without telephone-event. */
  async dtmfTone(digit: string, durationMs = 100): Promise<AudioSource> {
    return toneSource(dtmfTone(digit, durationMs, 60));
  }

  private clip(key: string, read: () => Promise<Buffer>): Promise<Int16Array> {
    const hit = this.clips.get(key);
    if (hit) {
      // Refresh its place in the LRU order.
      this.clips.delete(key);
      this.clips.set(key, hit);
      return hit;
    }
    const p = read().then((buf) => decodeAudio(buf));
    this.clips.set(key, p);
    p.then(
      (samples) => {
        this.sizes.set(key, samples.length);
        this.cachedSamples += samples.length;
        this.evict();
      },
      () => this.clips.delete(key),
    );
    return p;
  }

  private evict(): void {
    const max = this.deps.maxCachedSamples ?? 32 * 1024 * 1024;
    for (const key of this.clips.keys()) {
      if (this.cachedSamples <= max) break;
      const size = this.sizes.get(key);
      if (size === undefined) continue; // still decoding
      this.clips.delete(key);
      this.sizes.delete(key);
      this.cachedSamples -= size;
    }
  }
}

function toneSource(spec: ToneSpec): AudioSource {
  return new RestartableSource(() => {
    const t = new ToneSource(spec);
    return { read: (out: Int16Array) => t.readFrame(out) };
  });
}
