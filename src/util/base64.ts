/**
 * Base64 (RFC 4648 section 4, with `=` padding) between byte arrays, without the string in
 * between that `Buffer#toString('base64')` and `Buffer.from(text, 'base64')` need: the media
 * paths of a stream encode and decode 100 frames a second per stream, and each of those
 * strings is garbage the moment it has been copied.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ENCODE = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
/** Byte -> 6-bit value, 255 for a byte outside the alphabet. */
const DECODE = new Uint8Array(256).fill(255);
for (let i = 0; i < 64; i++) DECODE[ENCODE[i] as number] = i;
const PAD = 0x3d; // '='

/** Characters of the base64 text of `n` bytes. */
export function base64Length(n: number): number {
  return Math.ceil(n / 3) * 4;
}

/** Writes the base64 text of `src` into `dst` from `at`; returns where it ends. */
export function encodeBase64Into(src: Uint8Array, dst: Uint8Array, at: number): number {
  const whole = src.length - (src.length % 3);
  let o = at;
  let i = 0;
  for (; i < whole; i += 3) {
    const v = ((src[i] as number) << 16) | ((src[i + 1] as number) << 8) | (src[i + 2] as number);
    dst[o] = ENCODE[v >> 18] as number;
    dst[o + 1] = ENCODE[(v >> 12) & 63] as number;
    dst[o + 2] = ENCODE[(v >> 6) & 63] as number;
    dst[o + 3] = ENCODE[v & 63] as number;
    o += 4;
  }
  const left = src.length - whole;
  if (left > 0) {
    const v = ((src[i] as number) << 16) | (left === 2 ? (src[i + 1] as number) << 8 : 0);
    dst[o] = ENCODE[v >> 18] as number;
    dst[o + 1] = ENCODE[(v >> 12) & 63] as number;
    dst[o + 2] = left === 2 ? (ENCODE[(v >> 6) & 63] as number) : PAD;
    dst[o + 3] = PAD;
    o += 4;
  }
  return o;
}

/**
 * Decodes the base64 text in `src[start, end)` into `dst` from 0 and returns the number of
 * bytes, or -1 when the text is not strict base64 (a length that is not a multiple of 4, a
 * character outside the alphabet, padding anywhere but in the last one or two places) or
 * `dst` is too small. Strict is what the stream schema's BASE64 pattern accepts; the unused
 * low bits of a padded group are ignored, as Buffer does.
 */
export function decodeBase64Into(src: Uint8Array, start: number, end: number, dst: Uint8Array): number {
  const len = end - start;
  if (len % 4 !== 0) return -1;
  if (len === 0) return 0;
  let pad = 0;
  if (src[end - 1] === PAD) pad = src[end - 2] === PAD ? 2 : 1;
  const bytes = (len / 4) * 3 - pad;
  if (bytes > dst.length) return -1;
  const full = end - (pad > 0 ? 4 : 0);
  let o = 0;
  let bad = 0;
  for (let i = start; i < full; i += 4) {
    const a = DECODE[src[i] as number] as number;
    const b = DECODE[src[i + 1] as number] as number;
    const c = DECODE[src[i + 2] as number] as number;
    const d = DECODE[src[i + 3] as number] as number;
    bad |= a | b | c | d;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    dst[o] = (v >> 16) & 255;
    dst[o + 1] = (v >> 8) & 255;
    dst[o + 2] = v & 255;
    o += 3;
  }
  // Every valid value is below 64: one byte of 255 shows in the OR.
  if (bad > 63) return -1;
  if (pad > 0) {
    const a = DECODE[src[full] as number] as number;
    const b = DECODE[src[full + 1] as number] as number;
    const c = pad === 1 ? (DECODE[src[full + 2] as number] as number) : 0;
    if ((a | b | c) > 63) return -1;
    const v = (a << 18) | (b << 12) | (c << 6);
    dst[o] = (v >> 16) & 255;
    if (pad === 1) dst[o + 1] = (v >> 8) & 255;
  }
  return bytes;
}
