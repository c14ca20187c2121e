/**
 * ITU-T G.711 companding: PCMU (mu-law, RTP payload type 0) and PCMA (A-law, payload type 8),
 * RFC 3551 4.5.14. Linear samples are 16-bit; G.711 itself works on 14-bit (mu-law) and
 * 13-bit (A-law) magnitudes, so the low bits of a 16-bit sample are dropped on encode and
 * decoded values sit in the middle of their quantisation step.
 *
 * Everything per frame is a table lookup: 256-entry decode tables and 65536-entry encode
 * tables indexed by the sample's 16 bits, all built once when the module loads.
 */

/** Decoded value of every mu-law code (0x00 = -32124 ... 0xFF = +0). */
const ULAW_DECODE = new Int16Array(256);
/** Decoded value of every A-law code. */
const ALAW_DECODE = new Int16Array(256);
/** Mu-law code of every 16-bit sample, indexed by `sample & 0xffff`. */
const ULAW_ENCODE = new Uint8Array(65536);
/** A-law code of every 16-bit sample, indexed by `sample & 0xffff`. */
const ALAW_ENCODE = new Uint8Array(65536);

/** Mu-law bias in 14-bit units (G.711 table 2a: decision values are offset by 33). */
const ULAW_BIAS = 33;
/** Largest biased 14-bit mu-law magnitude (segment 7, top step). */
const ULAW_CLIP = 0x1fff;

/**
 * Negative samples are quantised on their one's complement (-1 -> 0, -32768 -> 32767), as
 * the ITU-T G.191 reference coder does, so the quantiser is symmetric around -0.5 and
 * -32768 needs no special case.
 */
function magnitude(sample: number): number {
  return sample < 0 ? ~sample : sample;
}

/** Position of the highest set bit of a positive integer below 2^31. */
function topBit(v: number): number {
  return 31 - Math.clz32(v);
}

function computeUlaw(sample: number): number {
  // G.711 2.3 / table 2a: 8 segments (exponent) of 16 steps (mantissa), on the 14-bit value.
  let biased = (magnitude(sample) >> 2) + ULAW_BIAS;
  if (biased > ULAW_CLIP) biased = ULAW_CLIP;
  const exponent = topBit(biased) - 5;
  const mantissa = (biased >> (exponent + 1)) & 0x0f;
  const sign = sample < 0 ? 0x80 : 0;
  // Mu-law transmits every bit inverted (G.711 table 2a, "character signal").
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function computeUlawLinear(code: number): number {
  const c = ~code & 0xff;
  const exponent = (c >> 4) & 0x07;
  const mantissa = c & 0x0f;
  // Middle of the step, in 14-bit units, then scaled to 16 bits.
  const value = ((((mantissa << 1) + ULAW_BIAS) << exponent) - ULAW_BIAS) << 2;
  return c & 0x80 ? -value : value;
}

function computeAlaw(sample: number): number {
  // G.711 2.2 / table 1a on the 12-bit magnitude: segments 0 and 1 share one step size.
  const mag = magnitude(sample) >> 3;
  const segment = mag < 32 ? 0 : topBit(mag) - 4;
  const mantissa = segment === 0 ? (mag >> 1) & 0x0f : (mag >> segment) & 0x0f;
  // A-law: sign bit 1 for positive values; even bits inverted on the line (XOR 0x55).
  const sign = sample < 0 ? 0 : 0x80;
  return (sign | (segment << 4) | mantissa) ^ 0x55;
}

function computeAlawLinear(code: number): number {
  const c = code ^ 0x55;
  const segment = (c >> 4) & 0x07;
  const mantissa = c & 0x0f;
  // Middle of the step, in 16-bit units (step 16 in segments 0-1, doubling after).
  const value = segment === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (segment - 1);
  return c & 0x80 ? value : -value;
}

for (let code = 0; code < 256; code++) {
  ULAW_DECODE[code] = computeUlawLinear(code);
  ALAW_DECODE[code] = computeAlawLinear(code);
}
for (let sample = -32768; sample < 32768; sample++) {
  ULAW_ENCODE[sample & 0xffff] = computeUlaw(sample);
  ALAW_ENCODE[sample & 0xffff] = computeAlaw(sample);
}

/** Mu-law code of one 16-bit sample. */
export function linearToUlaw(sample: number): number {
  return ULAW_ENCODE[sample & 0xffff];
}

/** 16-bit value of one mu-law code. */
export function ulawToLinear(code: number): number {
  return ULAW_DECODE[code & 0xff];
}

/** A-law code of one 16-bit sample. */
export function linearToAlaw(sample: number): number {
  return ALAW_ENCODE[sample & 0xffff];
}

/** 16-bit value of one A-law code. */
export function alawToLinear(code: number): number {
  return ALAW_DECODE[code & 0xff];
}

/** Mu-law code of digital silence (+0); 0x7f (-0) decodes to 0 as well. */
export const ULAW_SILENCE = 0xff;
/** A-law code of the smallest positive level (+8), what A-law "silence" is sent as. */
export const ALAW_SILENCE = 0xd5;

function checkRoom(needed: number, room: number): void {
  if (room < needed) throw new RangeError(`G.711: output has room for ${room} values, ${needed} needed`);
}

function encodeWith(table: Uint8Array, pcm: Int16Array, out: Uint8Array, offset: number): number {
  const n = pcm.length;
  checkRoom(n, out.length - offset);
  for (let i = 0; i < n; i++) out[offset + i] = table[pcm[i] & 0xffff];
  return n;
}

function decodeWith(table: Int16Array, bytes: Uint8Array, out: Int16Array, offset: number): number {
  const n = bytes.length;
  checkRoom(n, out.length - offset);
  for (let i = 0; i < n; i++) out[offset + i] = table[bytes[i]];
  return n;
}

/** Encodes `pcm` into `out` from `offset`; returns the number of bytes written. */
export function encodeUlaw(pcm: Int16Array, out: Uint8Array, offset = 0): number {
  return encodeWith(ULAW_ENCODE, pcm, out, offset);
}

/** Decodes `bytes` into `out` from `offset`; returns the number of samples written. */
export function decodeUlaw(bytes: Uint8Array, out: Int16Array, offset = 0): number {
  return decodeWith(ULAW_DECODE, bytes, out, offset);
}

/** Encodes `pcm` into `out` from `offset`; returns the number of bytes written. */
export function encodeAlaw(pcm: Int16Array, out: Uint8Array, offset = 0): number {
  return encodeWith(ALAW_ENCODE, pcm, out, offset);
}

/** Decodes `bytes` into `out` from `offset`; returns the number of samples written. */
export function decodeAlaw(bytes: Uint8Array, out: Int16Array, offset = 0): number {
  return decodeWith(ALAW_DECODE, bytes, out, offset);
}

/** A G.711 variant as the media engine uses it: one byte per sample, 8000 Hz. */
export interface G711Codec {
  /** The RTP encoding name (RFC 3551 table 4). */
  readonly name: 'PCMU' | 'PCMA';
  /** The static RTP payload type. */
  readonly payloadType: 0 | 8;
  /** The code that decodes to silence (or nearest to it). */
  readonly silence: number;
  encode(pcm: Int16Array, out: Uint8Array, offset?: number): number;
  decode(bytes: Uint8Array, out: Int16Array, offset?: number): number;
}

export const PCMU: G711Codec = Object.freeze({
  name: 'PCMU',
  payloadType: 0,
  silence: ULAW_SILENCE,
  encode: encodeUlaw,
  decode: decodeUlaw,
});

export const PCMA: G711Codec = Object.freeze({
  name: 'PCMA',
  payloadType: 8,
  silence: ALAW_SILENCE,
  encode: encodeAlaw,
  decode: decodeAlaw,
});

/** The codec for an SDP/RTP encoding name (case-insensitive, RFC 4855 3), or undefined. */
export function codecByName(name: string): G711Codec | undefined {
  switch (name.toUpperCase()) {
    case 'PCMU':
      return PCMU;
    case 'PCMA':
      return PCMA;
    default:
      return undefined;
  }
}
