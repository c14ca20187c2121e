import { z } from 'zod';

/**
 * Messages the application sends on a bidirectional stream (spec/vobizxml.md 3.3). The
 * parsers are tolerant where the spec records variants: `contentType` with or without a
 * `;rate=N` suffix, `sampleRate` as a number or a decimal string, `streamId` optional
 * (the socket already names the stream). Unknown fields are ignored.
 */

const CONTENT_TYPE = /^\s*(audio\/x-l16|audio\/x-mulaw)\s*(?:;\s*rate\s*=\s*([0-9]{1,6})\s*)?$/i;

/** Standard base64 (RFC 4648 section 4), padded; whitespace is not allowed. */
export const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const PLAY_RATES = [8000, 16000, 24000] as const;

/** `audio/x-l16` or `audio/x-mulaw`, optionally `;rate=N`: the encoding and the rate it names. */
export const PlayContentTypeSchema = z
  .string()
  .regex(CONTENT_TYPE, { error: 'expected audio/x-l16 or audio/x-mulaw' })
  .transform((s) => parsePlayContentType(s) as PlayContentType);

export interface PlayContentType {
  encoding: 'audio/x-l16' | 'audio/x-mulaw';
  rate?: number;
}

/** A playAudio `contentType`'s encoding and rate; undefined when it names neither encoding. */
export function parsePlayContentType(s: string): PlayContentType | undefined {
  const m = CONTENT_TYPE.exec(s);
  if (!m) return undefined;
  const encoding = (m[1] as string).toLowerCase() as PlayContentType['encoding'];
  return m[2] ? { encoding, rate: Number(m[2]) } : { encoding };
}

const SampleRateSchema = z
  .union([
    z.number().int(),
    z
      .string()
      .regex(/^[0-9]{1,6}$/)
      .transform(Number),
  ])
  .refine((n) => (PLAY_RATES as readonly number[]).includes(n), {
    error: 'expected 8000, 16000 or 24000',
  });

export const Base64Schema = z.string().regex(BASE64, { error: 'not base64' });

const StreamIdSchema = z.string().optional();

/**
 * `playAudio` (3.3): queue audio for the caller. The spec requires `contentType`,
 * `sampleRate` and `payload`; when the first two are missing the stream's own format is
 * assumed (the docs say playAudio must use it anyway).
 */
export const PlayAudioMessageSchema = z.object({
  event: z.literal('playAudio'),
  streamId: StreamIdSchema,
  media: z.object({
    contentType: PlayContentTypeSchema.optional(),
    sampleRate: SampleRateSchema.optional(),
    payload: Base64Schema,
  }),
});

/** `checkpoint` (3.3): answered with `playedStream` once everything queued before it has played. */
export const CheckpointMessageSchema = z.object({
  event: z.literal('checkpoint'),
  streamId: StreamIdSchema,
  name: z.string().min(1).max(256),
});

/** `clearAudio` (3.3): drop the queue, cut the clip playing, answer `clearedAudio`. */
export const ClearAudioMessageSchema = z.object({
  event: z.literal('clearAudio'),
  streamId: StreamIdSchema,
});

/** `stop` (3.3): end the stream; the document goes on with the next element. */
export const StopMessageSchema = z.object({
  event: z.literal('stop'),
  streamId: StreamIdSchema,
});

export const FROM_APP_EVENTS = ['playAudio', 'checkpoint', 'clearAudio', 'stop'] as const;
export type FromAppEvent = (typeof FROM_APP_EVENTS)[number];

export const FromAppMessageSchema = z.discriminatedUnion('event', [
  PlayAudioMessageSchema,
  CheckpointMessageSchema,
  ClearAudioMessageSchema,
  StopMessageSchema,
]);

export type PlayAudioMessage = z.output<typeof PlayAudioMessageSchema>;
export type CheckpointMessage = z.output<typeof CheckpointMessageSchema>;
export type ClearAudioMessage = z.output<typeof ClearAudioMessageSchema>;
export type StopMessage = z.output<typeof StopMessageSchema>;
export type FromAppMessage = z.output<typeof FromAppMessageSchema>;
/** What an application writes (before the tolerant decoding). */
export type FromAppMessageInput = z.input<typeof FromAppMessageSchema>;
