import { z } from 'zod';
import type { StreamRequest } from '../../src/callflow/call-control.ts';
import {
  bool,
  expected,
  extraHeaders,
  httpUrl,
  int,
  method,
  oneOf,
  opt,
  withDefault,
  wsUrl,
} from './codecs.ts';

/** Spec 3.5 content types; a bare `audio/x-l16` / `audio/x-mulaw` means rate 8000. */
const CONTENT_TYPES = ['audio/x-l16;rate=8000', 'audio/x-l16;rate=16000', 'audio/x-mulaw;rate=8000'] as const;

const contentType = z
  .preprocess(
    (v) =>
      typeof v === 'string' ? v.replace(/\s+/g, '').replace(/^(audio\/x-(l16|mulaw))$/, '$1;rate=8000') : v,
    z.enum(CONTENT_TYPES, { error: expected(CONTENT_TYPES.join(', ')) }),
  )
  .optional();

/**
 * POST /Account/{auth_id}/Call/{call_uuid}/Stream/ (spec 3.5).
 *
 * `bidirectional`: the narrative wants the string "true" and warns that a JSON boolean true
 * silently gives a one-way stream on Vobiz; the OpenAPI block types it boolean (spec 8.8).
 * We take the intuitive reading: JSON true and "true" both mean bidirectional.
 * With bidirectional streaming only the `inbound` track is supported (spec 3.5): the track
 * then defaults to `inbound`, and asking for another one is a 400.
 * `audio_format` and `cx_bot` (OpenAPI / Go SDK only) are accepted and ignored.
 */
export const StreamStartBody = z
  .object({
    service_url: wsUrl(),
    audio_track: opt(oneOf(['inbound', 'outbound', 'both'] as const)),
    bidirectional: withDefault(bool(), false),
    content_type: z.preprocess((v) => (v === '' || v === null ? undefined : v), contentType),
    stream_timeout: withDefault(int({ min: 1, max: 86400 }), 86400),
    status_callback_url: opt(httpUrl()),
    status_callback_method: method(),
    extra_headers: opt(extraHeaders()),
    audio_format: opt(oneOf(['pcm', 'mulaw'] as const)),
    cx_bot: opt(bool()),
  })
  .superRefine((b, ctx) => {
    if (b.bidirectional && b.audio_track !== undefined && b.audio_track !== 'inbound')
      ctx.addIssue({
        code: 'custom',
        path: ['audio_track'],
        message: `must be inbound when bidirectional is true, got "${b.audio_track}"`,
      });
  })
  .transform(
    (b): StreamRequest => ({
      serviceUrl: b.service_url,
      audioTrack: b.audio_track ?? (b.bidirectional ? 'inbound' : 'both'),
      bidirectional: b.bidirectional,
      contentType: b.content_type ?? CONTENT_TYPES[0],
      streamTimeout: b.stream_timeout,
      statusCallbackUrl: b.status_callback_url,
      statusCallbackMethod: b.status_callback_method,
      extraHeaders: b.extra_headers ?? {},
    }),
  );
