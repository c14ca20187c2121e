/** Signals and measurements for the Stream end-to-end tests. */

import { resample } from '../../../src/media/codec/resampler.ts';
import { decodeMediaPayload, type StreamFormat } from '../../../src/media/stream/stream-format.ts';
import { toneAmplitude } from '../../helpers/audio.ts';
import type { AppConnection, Received } from '../../unit/media/stream/ws-app.ts';

/** Deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A microphone signal that never repeats: 100 ms segments of two tones at random
 * frequencies (300-3000 Hz), so that a window of it correlates at one lag only.
 */
export function caller(seconds: number, seed = 7): Int16Array {
  const rnd = prng(seed);
  const out = new Int16Array(seconds * 8000);
  let f1 = 0;
  let f2 = 0;
  let p1 = 0;
  let p2 = 0;
  for (let i = 0; i < out.length; i++) {
    if (i % 800 === 0) {
      f1 = 300 + rnd() * 2700;
      f2 = 300 + rnd() * 2700;
    }
    p1 += (2 * Math.PI * f1) / 8000;
    p2 += (2 * Math.PI * f2) / 8000;
    out[i] = Math.round(5000 * Math.sin(p1) + 5000 * Math.sin(p2));
  }
  return out;
}

/** The media frames of a track in order, decoded, joined and brought to 8 kHz. */
export function trackAudio(
  c: AppConnection,
  format: Pick<StreamFormat, 'encoding' | 'sampleRate'>,
  track = 'inbound',
): Int16Array {
  const frames = c.of('media').filter((m) => m.msg.media.track === track);
  const parts = frames.map((m) => decodeMediaPayload(Buffer.from(m.msg.media.payload, 'base64'), format));
  const joined = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  return format.sampleRate === 8000 ? joined : resample(joined, format.sampleRate, 8000);
}

function ncc(a: ArrayLike<number>, aAt: number, b: ArrayLike<number>, bAt: number, n: number): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[aAt + i] as number;
    const y = b[bAt + i] as number;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/**
 * Where in `reference` the audio `heard` comes from: a 200 ms probe taken `probeAt` samples
 * into `heard` is searched over `reference`; then the whole `span` after the probe is
 * compared at that lag (a missing or extra frame on the way would break the alignment).
 */
export function locate(
  heard: Int16Array,
  reference: Int16Array,
  probeAt = 8000,
  span = 24000,
): { offset: number; probe: number; whole: number } {
  const n = 1600;
  let best = { offset: -1, probe: -1 };
  for (let off = 0; off + n <= reference.length; off++) {
    const v = ncc(heard, probeAt, reference, off, n);
    if (v > best.probe) best = { offset: off, probe: v };
  }
  const len = Math.min(span, heard.length - probeAt, reference.length - best.offset);
  return { ...best, whole: ncc(heard, probeAt, reference, best.offset, len) };
}

/** 20 ms frames of `samples` where `freq` dominates: their indexes. */
export function toneFrames(samples: Int16Array, freq: number, minAmp = 1500): number[] {
  const out: number[] = [];
  for (let f = 0; (f + 1) * 160 <= samples.length; f++) {
    const frame = samples.subarray(f * 160, (f + 1) * 160);
    if (toneAmplitude(frame, 8000, freq) > minAmp) out.push(f);
  }
  return out;
}

/** Arrival time of the media frames of a track whose audio has `freq` (observer streams). */
export function toneArrivals(c: AppConnection, freq: number, track = 'outbound'): Received[] {
  return c
    .of('media')
    .filter((m) => m.msg.media.track === track)
    .filter((m) => {
      const pcm = decodeMediaPayload(Buffer.from(m.msg.media.payload, 'base64'), { encoding: 'audio/x-l16' });
      return toneAmplitude(pcm, 8000, freq) > 1500;
    });
}

/** A sine as L16 little-endian base64 chunks of 20 ms (what an agent sends in playAudio). */
export function toneChunks(freq: number, ms: number, rate: number, amplitude = 12000): string[] {
  const per = (rate / 1000) * 20;
  const total = (rate / 1000) * ms;
  const chunks: string[] = [];
  for (let at = 0; at < total; at += per) {
    const b = Buffer.alloc(Math.min(per, total - at) * 2);
    for (let i = 0; i < b.length / 2; i++) {
      b.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * freq * (at + i)) / rate)), i * 2);
    }
    chunks.push(b.toString('base64'));
  }
  return chunks;
}
