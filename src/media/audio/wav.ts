/**
 * WAV (RIFF WAVE) reading and the header of the recorder's files.
 *
 * The reader is lenient where real files are sloppy and strict where guessing would produce
 * noise: chunks may come in any order and odd-sized chunks are padded (RIFF rule); the data
 * size of a file written by a streaming writer (0, 0xFFFFFFFF, or more than the file holds)
 * means "up to the end"; the RIFF size is not trusted. Formats: PCM 8/16/24/32-bit, IEEE
 * float 32/64, G.711 A-law and mu-law, plain or as WAVE_FORMAT_EXTENSIBLE sub-formats.
 */
import { alawToLinear, ulawToLinear } from '../codec/g711.ts';

export type WavErrorCode = 'WAV_INVALID' | 'WAV_UNSUPPORTED';

/** A file that is not a WAV file (`WAV_INVALID`) or one in a format we do not read (`WAV_UNSUPPORTED`). */
export class WavError extends Error {
  readonly code: WavErrorCode;

  constructor(code: WavErrorCode, message: string) {
    super(message);
    this.name = 'WavError';
    this.code = code;
  }
}

/** Sample format of the file, before conversion to 16-bit linear. */
export type WavFormat = 'pcm8' | 'pcm16' | 'pcm24' | 'pcm32' | 'float32' | 'float64' | 'ulaw' | 'alaw';

export interface WavData {
  sampleRate: number;
  channels: number;
  format: WavFormat;
  /** Interleaved samples, converted to 16-bit linear. */
  samples: Int16Array;
}

/** wFormatTag values (RFC 2361 appendix A). */
const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_ALAW = 0x0006;
const WAVE_FORMAT_MULAW = 0x0007;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** Bytes 2..15 of every KSDATAFORMAT_SUBTYPE_* GUID whose first two bytes are a format tag. */
const SUBTYPE_SUFFIX = Buffer.from([
  0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
]);

/** Size of the canonical header `wavHeader` writes: RIFF, 16-byte fmt chunk, data chunk header. */
export const WAV_HEADER_BYTES = 44;
/** Largest data size a RIFF file can state (the RIFF size, data size + 36, is 32 bits). */
const MAX_DATA_BYTES = 0xffffffff - 36;
const MAX_CHANNELS = 64;

interface Fmt {
  format: WavFormat;
  channels: number;
  sampleRate: number;
  bytesPerSample: number;
}

function invalid(message: string): WavError {
  return new WavError('WAV_INVALID', `WAV: ${message}`);
}

function unsupported(message: string): WavError {
  return new WavError('WAV_UNSUPPORTED', `WAV: ${message}`);
}

function formatOf(tag: number, bits: number): WavFormat {
  switch (tag) {
    case WAVE_FORMAT_PCM:
      if (bits === 8) return 'pcm8';
      if (bits === 16) return 'pcm16';
      if (bits === 24) return 'pcm24';
      if (bits === 32) return 'pcm32';
      throw unsupported(`${bits}-bit PCM is not supported (8, 16, 24 or 32)`);
    case WAVE_FORMAT_IEEE_FLOAT:
      if (bits === 32) return 'float32';
      if (bits === 64) return 'float64';
      throw unsupported(`${bits}-bit float is not supported (32 or 64)`);
    case WAVE_FORMAT_ALAW:
    case WAVE_FORMAT_MULAW:
      if (bits !== 8) throw unsupported(`${bits}-bit G.711 is not supported (8)`);
      return tag === WAVE_FORMAT_ALAW ? 'alaw' : 'ulaw';
    default:
      throw unsupported(
        `format tag 0x${tag.toString(16).padStart(4, '0')} is not supported (PCM, float, A-law, mu-law)`,
      );
  }
}

function parseFmt(buf: Buffer, at: number, size: number): Fmt {
  if (size < 16) throw invalid(`fmt chunk of ${size} bytes, at least 16 needed`);
  let tag = buf.readUInt16LE(at);
  const channels = buf.readUInt16LE(at + 2);
  const sampleRate = buf.readUInt32LE(at + 4);
  const bits = buf.readUInt16LE(at + 14);
  if (tag === WAVE_FORMAT_EXTENSIBLE) {
    // WAVEFORMATEXTENSIBLE: cbSize (22), wValidBitsPerSample, dwChannelMask, SubFormat GUID.
    if (size < 40) throw invalid(`extensible fmt chunk of ${size} bytes, 40 needed`);
    if (!buf.subarray(at + 26, at + 40).equals(SUBTYPE_SUFFIX))
      throw unsupported('unknown extensible sub-format');
    // The container size (wBitsPerSample) rules the layout; valid bits only say how many
    // of its top bits carry signal, so they need no handling here.
    tag = buf.readUInt16LE(at + 24);
  }
  if (channels === 0) throw invalid('0 channels');
  if (channels > MAX_CHANNELS) throw unsupported(`${channels} channels`);
  if (sampleRate === 0) throw invalid('sample rate 0');
  const format = formatOf(tag, bits);
  return { format, channels, sampleRate, bytesPerSample: bits / 8 };
}

function isChunkId(buf: Buffer, at: number): boolean {
  for (let i = 0; i < 4; i++) {
    const c = buf[at + i];
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** Parses a whole WAV file held in memory; throws WavError. */
export function parseWav(buf: Buffer): WavData {
  if (buf.length < 12) throw invalid(`${buf.length} bytes is too short for a RIFF header`);
  const riff = buf.toString('latin1', 0, 4);
  if (riff === 'RIFX') throw unsupported('big-endian RIFX files are not supported');
  // RF64 (EBU 3306) keeps its 64-bit sizes in a ds64 chunk; its 32-bit fields say 0xFFFFFFFF
  // and the data then runs to the end of what we have, which is what is used here.
  if ((riff !== 'RIFF' && riff !== 'RF64') || buf.toString('latin1', 8, 12) !== 'WAVE') {
    throw invalid('not a RIFF WAVE file');
  }
  let fmt: Fmt | undefined;
  let dataStart = -1;
  let dataEnd = -1;
  // The RIFF size is ignored: streaming writers leave it 0 or wrong. Chunks run to the end.
  let at = 12;
  while (at + 8 <= buf.length) {
    const id = buf.toString('latin1', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    const body = at + 8;
    const available = buf.length - body;
    if (id === 'data' && dataStart < 0) {
      // RIFF chunk sizes are exact; a 0, 0xFFFFFFFF or too large size is a header that was
      // never patched by its writer: take what is there. A real empty data chunk is one
      // followed by another chunk header.
      const emptyButFollowed = size === 0 && (available === 0 || (available >= 8 && isChunkId(buf, body)));
      const unknown = size === 0xffffffff || size > available || (size === 0 && !emptyButFollowed);
      dataStart = body;
      dataEnd = unknown ? buf.length : body + size;
      if (unknown) break;
    } else if (id === 'fmt ') {
      if (size > available) throw invalid('fmt chunk runs past the end of the file');
      fmt = parseFmt(buf, body, size);
    }
    // RIFF: a chunk of odd size is followed by one pad byte.
    at = body + size + (size & 1);
  }
  if (!fmt) throw invalid('no fmt chunk');
  if (dataStart < 0) throw invalid('no data chunk');
  const frameBytes = fmt.bytesPerSample * fmt.channels;
  // A file cut in the middle of a frame: keep the whole frames.
  const frames = Math.floor((dataEnd - dataStart) / frameBytes);
  const samples = convert(buf, dataStart, frames * fmt.channels, fmt.format);
  return { sampleRate: fmt.sampleRate, channels: fmt.channels, format: fmt.format, samples };
}

function clamp16(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

function convert(buf: Buffer, at: number, count: number, format: WavFormat): Int16Array {
  const out = new Int16Array(count);
  switch (format) {
    case 'pcm8':
      // 8-bit WAV is unsigned, 128 = silence.
      for (let i = 0; i < count; i++) out[i] = (buf[at + i] - 128) << 8;
      break;
    case 'pcm16':
      for (let i = 0; i < count; i++) out[i] = buf.readInt16LE(at + 2 * i);
      break;
    case 'pcm24':
      // The top 16 of 24 bits.
      for (let i = 0; i < count; i++) out[i] = buf.readInt16LE(at + 3 * i + 1);
      break;
    case 'pcm32':
      for (let i = 0; i < count; i++) out[i] = buf.readInt16LE(at + 4 * i + 2);
      break;
    case 'float32':
      for (let i = 0; i < count; i++) out[i] = clamp16(Math.round(buf.readFloatLE(at + 4 * i) * 32768));
      break;
    case 'float64':
      for (let i = 0; i < count; i++) out[i] = clamp16(Math.round(buf.readDoubleLE(at + 8 * i) * 32768));
      break;
    case 'ulaw':
      for (let i = 0; i < count; i++) out[i] = ulawToLinear(buf[at + i]);
      break;
    case 'alaw':
      for (let i = 0; i < count; i++) out[i] = alawToLinear(buf[at + i]);
      break;
  }
  return out;
}

export interface WavHeaderOptions {
  sampleRate: number;
  channels: number;
  bitsPerSample: 16;
  /** Bytes of sample data that follow; 0 while a streaming writer does not know yet. */
  dataBytes: number;
}

function checkDataBytes(dataBytes: number): void {
  if (!Number.isInteger(dataBytes) || dataBytes < 0 || dataBytes > MAX_DATA_BYTES) {
    throw new RangeError(`WAV: data size ${dataBytes} out of range 0..${MAX_DATA_BYTES}`);
  }
}

/** The canonical 44-byte header of a 16-bit PCM file: RIFF, 16-byte fmt chunk, data chunk header. */
export function wavHeader(opts: WavHeaderOptions): Buffer {
  const { sampleRate, channels, bitsPerSample } = opts;
  if (bitsPerSample !== 16)
    throw new RangeError(`WAV: only 16-bit headers are written, not ${bitsPerSample}`);
  if (!Number.isInteger(sampleRate) || sampleRate <= 0)
    throw new RangeError(`WAV: bad sample rate ${sampleRate}`);
  if (!Number.isInteger(channels) || channels < 1 || channels > MAX_CHANNELS) {
    throw new RangeError(`WAV: bad channel count ${channels}`);
  }
  const h = Buffer.alloc(WAV_HEADER_BYTES);
  const blockAlign = channels * (bitsPerSample / 8);
  h.write('RIFF', 0, 'latin1');
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * blockAlign, 28);
  h.writeUInt16LE(blockAlign, 32);
  h.writeUInt16LE(bitsPerSample, 34);
  h.write('data', 36, 'latin1');
  patchWavSizes(h, opts.dataBytes);
  return h;
}

/**
 * Rewrites the RIFF and data sizes of a header made by `wavHeader` (or the first 44 bytes of
 * such a file) for `dataBytes` of samples, e.g. when a recording ends.
 */
export function patchWavSizes(header: Buffer, dataBytes: number): void {
  checkDataBytes(dataBytes);
  if (header.length < WAV_HEADER_BYTES || header.toString('latin1', 36, 40) !== 'data') {
    throw new RangeError('WAV: not a canonical 44-byte header');
  }
  // RIFF size counts everything after its own field, including the data's pad byte.
  header.writeUInt32LE(36 + dataBytes + (dataBytes & 1), 4);
  header.writeUInt32LE(dataBytes, 40);
}

/** A complete 16-bit PCM WAV file holding `samples` (interleaved when `channels` > 1). */
export function encodeWav(samples: Int16Array, sampleRate: number, channels = 1): Buffer {
  const dataBytes = samples.length * 2;
  const file = Buffer.alloc(WAV_HEADER_BYTES + dataBytes);
  wavHeader({ sampleRate, channels, bitsPerSample: 16, dataBytes }).copy(file, 0);
  for (let i = 0; i < samples.length; i++) file.writeInt16LE(samples[i], WAV_HEADER_BYTES + 2 * i);
  return file;
}
