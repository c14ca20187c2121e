/**
 * Turns an audio file (what a <Play> URL returns, a customer upload) into the media engine's
 * clip form: mono 16-bit linear PCM at 8000 Hz (or 16000 Hz for wideband streams).
 * Reads WAV (see wav.ts) and MPEG audio (MP3, through mpg123 compiled to WebAssembly).
 */
import { MPEGDecoder } from 'mpg123-decoder';
import { downmix, resample } from '../codec/resampler.ts';
import { parseWav, WavError } from './wav.ts';

export type AudioDecodeErrorCode =
  | 'AUDIO_UNSUPPORTED' // not a format we read, or a variant of one we do not support
  | 'AUDIO_INVALID'; // looks like a supported format but is broken

export class AudioDecodeError extends Error {
  readonly code: AudioDecodeErrorCode;

  constructor(code: AudioDecodeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AudioDecodeError';
    this.code = code;
  }
}

export interface DecodeAudioOptions {
  /** Output sample rate; default 8000. */
  rate?: 8000 | 16000;
}

/** How far past an ID3v2 tag to look for the first MPEG frame (some taggers pad with zeros). */
const MAX_ID3_PADDING = 64 * 1024;

function isWav(buf: Buffer): boolean {
  const riff = buf.toString('latin1', 0, 4);
  return buf.length >= 12 && (riff === 'RIFF' || riff === 'RF64') && buf.toString('latin1', 8, 12) === 'WAVE';
}

/**
 * An MPEG audio frame header at `at` (ISO/IEC 11172-3 2.4.2.3): 11 sync bits, then no
 * reserved version, layer, bitrate or sample-rate code. Layer "00" is what ADTS (AAC) uses.
 */
function isMpegFrameHeader(buf: Buffer, at: number): boolean {
  if (at + 4 > buf.length || buf[at] !== 0xff || (buf[at + 1] & 0xe0) !== 0xe0) return false;
  const version = (buf[at + 1] >> 3) & 0x03;
  const layer = (buf[at + 1] >> 1) & 0x03;
  const bitrate = buf[at + 2] >> 4;
  const rate = (buf[at + 2] >> 2) & 0x03;
  return version !== 1 && layer !== 0 && bitrate !== 15 && rate !== 3;
}

/** MP3: an ID3v2 tag followed by MPEG audio, or MPEG audio from the first byte. */
function isMpeg(buf: Buffer): boolean {
  if (buf.length >= 10 && buf.toString('latin1', 0, 3) === 'ID3') {
    // ID3v2 header: size is 4 x 7 bits ("syncsafe"), plus 10 more when a footer is present.
    const size = ((buf[6] & 0x7f) << 21) | ((buf[7] & 0x7f) << 14) | ((buf[8] & 0x7f) << 7) | (buf[9] & 0x7f);
    let at = 10 + size + (buf[5] & 0x10 ? 10 : 0);
    const limit = Math.min(buf.length, at + MAX_ID3_PADDING);
    while (at < limit && buf[at] === 0) at++;
    return isMpegFrameHeader(buf, at);
  }
  return isMpegFrameHeader(buf, 0);
}

function toRate(mono: Int16Array, from: number, to: number): Int16Array {
  try {
    return resample(mono, from, to);
  } catch (err) {
    if (err instanceof RangeError) {
      throw new AudioDecodeError('AUDIO_UNSUPPORTED', `cannot convert ${from} Hz audio to ${to} Hz`, {
        cause: err,
      });
    }
    throw err;
  }
}

function decodeWavClip(buf: Buffer, rate: number): Int16Array {
  try {
    const wav = parseWav(buf);
    return toRate(downmix(wav.samples, wav.channels), wav.sampleRate, rate);
  } catch (err) {
    if (err instanceof WavError) {
      const code = err.code === 'WAV_UNSUPPORTED' ? 'AUDIO_UNSUPPORTED' : 'AUDIO_INVALID';
      throw new AudioDecodeError(code, err.message, { cause: err });
    }
    throw err;
  }
}

async function decodeMpegClip(buf: Buffer, rate: number): Promise<Int16Array> {
  const decoder = new MPEGDecoder();
  await decoder.ready;
  let decoded: ReturnType<MPEGDecoder['decode']>;
  try {
    decoded = decoder.decode(new Uint8Array(buf.buffer, buf.byteOffset, buf.length));
  } finally {
    decoder.free();
  }
  const { channelData, samplesDecoded, sampleRate } = decoded;
  if (samplesDecoded === 0 || channelData.length === 0) {
    throw new AudioDecodeError('AUDIO_INVALID', 'MP3: no audio frames could be decoded');
  }
  // mpg123 gives float samples per channel (a mono file comes out as two equal channels):
  // average them, then scale to 16 bits with clipping.
  const mono = new Int16Array(samplesDecoded);
  const channels = channelData.length;
  const scale = 32768 / channels;
  for (let i = 0; i < samplesDecoded; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += channelData[c][i];
    const v = Math.round(sum * scale);
    mono[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return toRate(mono, sampleRate, rate);
}

/**
 * Decodes a WAV or MP3 file to mono 16-bit PCM at `opts.rate` (8000 by default). Throws
 * AudioDecodeError: `AUDIO_UNSUPPORTED` for other formats, `AUDIO_INVALID` for broken files.
 */
export async function decodeAudio(buf: Buffer, opts: DecodeAudioOptions = {}): Promise<Int16Array> {
  const rate = opts.rate ?? 8000;
  if (rate !== 8000 && rate !== 16000)
    throw new RangeError(`decodeAudio: rate must be 8000 or 16000, got ${rate}`);
  if (isWav(buf)) return decodeWavClip(buf, rate);
  if (isMpeg(buf)) return decodeMpegClip(buf, rate);
  throw new AudioDecodeError('AUDIO_UNSUPPORTED', 'not a WAV or MP3 file');
}
