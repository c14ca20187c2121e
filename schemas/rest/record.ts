import { z } from 'zod';
import type { RecordRequest } from '../../src/callflow/call-control.ts';
import { httpUrl, int, method, oneOf, opt, withDefault } from './codecs.ts';

/** POST /Account/{auth_id}/Call/{call_uuid}/Record/ (spec 3.4); the body is optional. */
export const RecordStartBody = z
  .object({
    time_limit: withDefault(int({ min: 1, max: 86400 }), 60),
    file_format: withDefault(oneOf(['mp3', 'wav'] as const), 'mp3'),
    transcription_type: opt(oneOf(['auto'] as const)),
    transcription_url: opt(httpUrl()),
    transcription_method: method(),
    callback_url: opt(httpUrl()),
    callback_method: method(),
    record_channel_type: withDefault(oneOf(['mono', 'stereo'] as const), 'mono'),
  })
  .transform(
    (b): RecordRequest => ({
      timeLimit: b.time_limit,
      fileFormat: b.file_format,
      callbackUrl: b.callback_url,
      callbackMethod: b.callback_method,
      channels: b.record_channel_type,
      transcriptionType: b.transcription_type,
      transcriptionUrl: b.transcription_url,
      transcriptionMethod: b.transcription_method,
    }),
  );

/**
 * DELETE /Account/{auth_id}/Call/{call_uuid}/Record/ (spec 3.4): the recording's `URL` (the
 * table's spelling, and Plivo's) or `url` (the tip's); none stops every recording of the call.
 */
export const RecordStopBody = z
  .object({ URL: opt(httpUrl()), url: opt(httpUrl()) })
  .transform((b): { url?: string } => ({ url: b.URL ?? b.url }));
