import { decodeUlaw, encodeUlaw } from '../codec/g711.ts';
import { Resampler } from '../codec/resampler.ts';
import { StreamError } from './stream-error.ts';

/**
 * The audio formats of a `<Stream>` (spec/vobizxml.md 3.1) and the conversions between
 * them and the media engine's 8 kHz linear audio. Byte order (3.1): L16 that Patchbay
 * sends (`media`) is big-endian (network order); L16 the application sends (`playAudio`)
 * is little-endian.
 */
export type StreamEncoding = 'audio/x-l16' | 'audio/x-mulaw';
export type StreamRate = 8000 | 16000 | 24000;

export interface StreamFormat {
  encoding: StreamEncoding;
  sampleRate: StreamRate;
  /** The canonical `contentType` value, e.g. `audio/x-l16;rate=16000`. */
  contentType: string;
  /** Bytes of one 20 ms frame (3.1 table). */
  frameBytes: number;
}

/** Engine audio: 8 kHz, 20 ms frames. */
export const ENGINE_RATE = 8000;
export const FRAME_SAMPLES = 160;
export const FRAME_MS = 20;

/** playAudio payloads up to this many samples (100 ms at 24 kHz) are decoded into a reused array. */
const REUSED_SAMPLES = 2_400;

const CONTENT_TYPE = /^\s*audio\/(x-l16|x-mulaw)\s*(?:;\s*rate\s*=\s*([0-9]+)\s*)?$/i;

/**
 * Reads a `contentType` (XML) / `content_type` (REST). The four values of 3.1, plus the bare
 * `audio/x-l16` and `audio/x-mulaw` of the REST example (8000 Hz). µ-law is 8000 Hz only.
 */
export function parseStreamContentType(value: string): StreamFormat {
  const m = CONTENT_TYPE.exec(value);
  const rate = m?.[2] === undefined ? ENGINE_RATE : Number(m[2]);
  if (!m || (rate !== 8000 && rate !== 16000 && rate !== 24000)) {
    throw new StreamError('BAD_CONTENT_TYPE', `unsupported stream contentType ${JSON.stringify(value)}`);
  }
  const encoding: StreamEncoding = m[1]?.toLowerCase() === 'x-mulaw' ? 'audio/x-mulaw' : 'audio/x-l16';
  if (encoding === 'audio/x-mulaw' && rate !== 8000) {
    throw new StreamError('BAD_CONTENT_TYPE', `audio/x-mulaw is 8000 Hz only, got ${JSON.stringify(value)}`);
  }
  return formatOf(encoding, rate);
}

export function formatOf(encoding: StreamEncoding, sampleRate: StreamRate): StreamFormat {
  const perFrame = (sampleRate / 1000) * FRAME_MS;
  return {
    encoding,
    sampleRate,
    contentType: `${encoding};rate=${sampleRate}`,
    frameBytes: encoding === 'audio/x-mulaw' ? perFrame : perFrame * 2,
  };
}

/**
 * Turns 20 ms frames of engine audio into `media` payload bytes of one track: µ-law, or L16
 * big-endian after a streaming resample to the stream's rate (one resampler per track, so
 * frames join without seams).
 */
export class FrameEncoder {
  private readonly resampler: Resampler | undefined;
  private readonly wide: Int16Array;
  private readonly out: Buffer;

  constructor(readonly format: StreamFormat) {
    const rate = format.sampleRate;
    this.resampler = rate === ENGINE_RATE ? undefined : new Resampler(ENGINE_RATE, rate);
    this.wide = new Int16Array((FRAME_SAMPLES * rate) / ENGINE_RATE);
    this.out = Buffer.alloc(format.frameBytes);
  }

  /**
   * `frame`: exactly 160 samples at 8 kHz. Returns `format.frameBytes` bytes in the encoder's
   * own buffer: valid until the next call (the caller copies them into its message).
   */
  encode(frame: Int16Array): Buffer {
    const out = this.out;
    if (this.format.encoding === 'audio/x-mulaw') {
      encodeUlaw(frame, out);
      return out;
    }
    let pcm = frame;
    if (this.resampler) {
      // 160 in gives exactly 160 * rate / 8000 out (the resampler keeps the input's pace).
      const n = this.resampler.processInto(frame, this.wide);
      pcm = n === this.wide.length ? this.wide : this.wide.subarray(0, n);
    }
    writeL16(pcm, out, 'be');
    return n16(out, pcm.length);
  }
}

/** `out` cut to `samples` 16-bit samples (it is whole unless the resampler came up short). */
function n16(out: Buffer, samples: number): Buffer {
  return samples * 2 === out.length ? out : out.subarray(0, samples * 2);
}

/** Writes 16-bit samples in the given byte order. */
export function writeL16(pcm: Int16Array, out: Uint8Array, order: 'be' | 'le'): void {
  const hi = order === 'be' ? 0 : 1;
  const lo = 1 - hi;
  for (let i = 0, j = 0; i < pcm.length; i++, j += 2) {
    const s = pcm[i] as number;
    out[j + hi] = (s >> 8) & 0xff;
    out[j + lo] = s & 0xff;
  }
}

/** Reads 16-bit samples in the given byte order (a trailing odd byte is ignored). */
export function readL16(bytes: Uint8Array, order: 'be' | 'le'): Int16Array {
  return readL16Into(bytes, order, new Int16Array(bytes.length >> 1));
}

/** readL16 into `out` (of bytes.length / 2 samples, rounded down); returns it. */
function readL16Into(bytes: Uint8Array, order: 'be' | 'le', out: Int16Array): Int16Array {
  const n = out.length;
  const hi = order === 'be' ? 0 : 1;
  const lo = 1 - hi;
  for (let i = 0, j = 0; i < n; i++, j += 2) {
    out[i] = (((bytes[j + hi] as number) << 24) >> 16) | (bytes[j + lo] as number);
  }
  return out;
}

/**
 * Decodes `media` payload bytes (as Patchbay sends them) to samples at the stream's rate;
 * for applications and tests.
 */
export function decodeMediaPayload(bytes: Uint8Array, format: Pick<StreamFormat, 'encoding'>): Int16Array {
  if (format.encoding === 'audio/x-mulaw') {
    const out = new Int16Array(bytes.length);
    decodeUlaw(bytes, out);
    return out;
  }
  return readL16(bytes, 'be');
}

/**
 * Turns `playAudio` payloads into engine audio: µ-law, or L16 little-endian at 8, 16 or
 * 24 kHz resampled to 8 kHz. Resamplers are streaming (one per input rate) so that audio
 * sent in small chunks has no seams; `flush()` pushes out the few samples the filter still
 * holds (at a checkpoint, so that it covers all the audio before it).
 */
export class PlayDecoder {
  private readonly resamplers = new Map<number, Resampler>();
  private samples = new Int16Array(0);

  /**
   * The payload as 8 kHz samples. At 8 kHz they are in the decoder's own array for the usual
   * sizes, valid until the next call (the caller queues a copy).
   */
  decode(bytes: Uint8Array, encoding: StreamEncoding, rate: number): Int16Array {
    if (rate !== 8000 && rate !== 16000 && rate !== 24000) {
      throw new StreamError('BAD_MEDIA', `unsupported sampleRate ${rate}`);
    }
    if (encoding === 'audio/x-mulaw') {
      if (rate !== ENGINE_RATE) throw new StreamError('BAD_MEDIA', 'audio/x-mulaw is 8000 Hz only');
      const out = this.room(bytes.length);
      decodeUlaw(bytes, out);
      return out;
    }
    if (bytes.length % 2 !== 0) throw new StreamError('BAD_MEDIA', 'L16 payload of an odd number of bytes');
    const pcm = readL16Into(bytes, 'le', this.room(bytes.length >> 1));
    if (rate === ENGINE_RATE) return pcm;
    let r = this.resamplers.get(rate);
    if (!r) {
      r = new Resampler(rate, ENGINE_RATE);
      this.resamplers.set(rate, r);
    }
    return r.process(pcm);
  }

  /** `n` samples: a view of the reused array (grown to the largest usual payload), or a new one. */
  private room(n: number): Int16Array {
    if (n > REUSED_SAMPLES) return new Int16Array(n);
    if (this.samples.length < n) this.samples = new Int16Array(n);
    return n === this.samples.length ? this.samples : this.samples.subarray(0, n);
  }

  /** The samples still inside the resamplers (silence-padded tail), then a fresh start. */
  flush(): Int16Array {
    const parts: Int16Array[] = [];
    for (const [rate, r] of this.resamplers) {
      const zeros = new Int16Array(Math.ceil((r.latency * rate) / ENGINE_RATE));
      parts.push(r.process(zeros));
    }
    this.resamplers.clear();
    if (parts.length === 1) return parts[0] as Int16Array;
    const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /** Forgets what the resamplers hold (clearAudio). */
  reset(): void {
    this.resamplers.clear();
  }
}
