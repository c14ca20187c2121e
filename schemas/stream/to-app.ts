import { z } from 'zod';

/**
 * Messages Patchbay sends to the application's WebSocket (spec/vobizxml.md 3.2). All are
 * JSON text frames. Field names and casing are exactly the spec's: `sequenceNumber`,
 * `streamId`, `extra_headers` (snake case), ids nested under `start`.
 */

export const STREAM_TRACKS = ['inbound', 'outbound'] as const;
export type StreamTrack = (typeof STREAM_TRACKS)[number];

/** `start.mediaFormat`: the bare encoding and the rate (3.2; `contentType` split in two). */
export const MediaFormatSchema = z.object({
  encoding: z.enum(['audio/x-l16', 'audio/x-mulaw']),
  sampleRate: z.union([z.literal(8000), z.literal(16000), z.literal(24000)]),
});

/** Once, right after the connection opens; the current [V] shape (ids under `start`). */
export const StartMessageSchema = z.object({
  event: z.literal('start'),
  sequenceNumber: z.number().int().min(0),
  start: z.object({
    callId: z.string(),
    streamId: z.string(),
    accountId: z.string(),
    tracks: z.array(z.enum(STREAM_TRACKS)).min(1),
    mediaFormat: MediaFormatSchema,
  }),
  /** The extraHeaders as a JSON object in a string; `"{}"` when none. */
  extra_headers: z.string(),
});

/** One 20 ms frame of one track (3.1, 3.2). */
export const MediaMessageSchema = z.object({
  event: z.literal('media'),
  sequenceNumber: z.number().int().min(0),
  streamId: z.string(),
  media: z.object({
    track: z.enum(STREAM_TRACKS),
    /** Epoch milliseconds, as a string (Plivo's schema; an old Vobiz example had a number). */
    timestamp: z.string().regex(/^[0-9]+$/),
    /** Per-track frame counter from 1; a frame dropped under back-pressure still uses its number. */
    chunk: z.number().int().min(1),
    /** Base64 of raw samples: µ-law bytes, or 16-bit big-endian PCM (3.1). */
    payload: z.string(),
  }),
  extra_headers: z.string(),
});

/** A key the caller pressed (3.2: body undocumented by Vobiz; Plivo's shape, `dtmf.digit`). */
export const DtmfMessageSchema = z.object({
  event: z.literal('dtmf'),
  sequenceNumber: z.number().int().min(0),
  streamId: z.string(),
  dtmf: z.object({
    digit: z.string().length(1),
    track: z.literal('inbound'),
    timestamp: z.string().regex(/^[0-9]+$/),
    /** How long the key was held, ms (0 when not known yet). */
    duration: z.number().int().min(0),
  }),
  extra_headers: z.string(),
});

/** Everything queued before the checkpoint `name` has been played to the caller (3.2, 3.3). */
export const PlayedStreamMessageSchema = z.object({
  event: z.literal('playedStream'),
  sequenceNumber: z.number().int().min(0),
  streamId: z.string(),
  name: z.string(),
});

/** The answer to `clearAudio` (3.2). */
export const ClearedAudioMessageSchema = z.object({
  event: z.literal('clearedAudio'),
  sequenceNumber: z.number().int().min(0),
  streamId: z.string(),
});

export const ToAppMessageSchema = z.discriminatedUnion('event', [
  StartMessageSchema,
  MediaMessageSchema,
  DtmfMessageSchema,
  PlayedStreamMessageSchema,
  ClearedAudioMessageSchema,
]);

export type MediaFormat = z.output<typeof MediaFormatSchema>;
export type StartMessage = z.output<typeof StartMessageSchema>;
export type MediaMessage = z.output<typeof MediaMessageSchema>;
export type DtmfMessage = z.output<typeof DtmfMessageSchema>;
export type PlayedStreamMessage = z.output<typeof PlayedStreamMessageSchema>;
export type ClearedAudioMessage = z.output<typeof ClearedAudioMessageSchema>;
export type ToAppMessage = z.output<typeof ToAppMessageSchema>;
