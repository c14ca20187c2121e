import { z } from 'zod';
import { bool, httpUrl, int, keyValues, locShape, method, oneOf, wsUrl } from './attr.ts';
import type { ElementSpec } from './element-spec.ts';

export const STREAM_CONTENT_TYPES = [
  'audio/x-l16;rate=8000',
  'audio/x-l16;rate=16000',
  'audio/x-l16;rate=24000',
  'audio/x-mulaw;rate=8000',
] as const;

/** `<Stream>` attributes (spec 2.14). */
export const StreamAttributes = z.object({
  bidirectional: bool()
    .default(false)
    .describe('true: the WebSocket server may also send audio back. Default false.'),
  audioTrack: oneOf(['inbound', 'outbound', 'both'])
    .default('inbound')
    .describe('Audio forked: inbound (caller), outbound or both. Default inbound.'),
  streamTimeout: int({ min: 1 })
    .default(86400)
    .describe('Seconds after which streaming stops. Default 86400.'),
  statusCallbackUrl: httpUrl()
    .optional()
    .describe('Absolute URL notified when the stream starts, stops or fails.'),
  statusCallbackMethod: method().describe('GET or POST for statusCallbackUrl. Default POST.'),
  contentType: oneOf(STREAM_CONTENT_TYPES)
    .default('audio/x-l16;rate=8000')
    .describe('Codec and rate of the stream. Default audio/x-l16;rate=8000.'),
  extraHeaders: keyValues(512)
    .default({})
    .describe('name=value pairs separated by commas, [A-Za-z0-9] only, at most 512 bytes.'),
  keepCallAlive: bool()
    .default(false)
    .describe('true: block until the stream ends; needs bidirectional="true". Default false.'),
  maxRetries: int({ min: 0, max: 10 }).default(0).describe('Reconnection attempts, 0-10. Default 0.'),
});

export const StreamVerbSchema = z
  .object({
    verb: z.literal('Stream'),
    ...StreamAttributes.shape,
    /** Text content: the WebSocket URL. */
    url: wsUrl(),
    ...locShape,
  })
  .superRefine((s, ctx) => {
    // Appendix A / spec 2.14: bidirectional streams fork the inbound track only.
    if (s.bidirectional && s.audioTrack !== 'inbound') {
      ctx.addIssue({
        code: 'custom',
        path: ['audioTrack'],
        message: `must be "inbound" when bidirectional="true", got "${s.audioTrack}"`,
      });
    }
    // keepCallAlive is "documented as requiring bidirectional="true"".
    if (s.keepCallAlive && !s.bidirectional) {
      ctx.addIssue({
        code: 'custom',
        path: ['keepCallAlive'],
        message: 'needs bidirectional="true"',
      });
    }
  });

export type StreamVerb = z.output<typeof StreamVerbSchema>;

export const StreamElement: ElementSpec = {
  name: 'Stream',
  attributes: StreamAttributes,
  text: 'url',
  textDescription: 'WebSocket URL, wss:// (or ws:// for local testing)',
  children: [],
  summary: 'Fork the call audio to a WebSocket server (optionally two-way).',
};
