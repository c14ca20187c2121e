import { z } from 'zod';
import { httpUrl, int, locShape } from './attr.ts';
import type { ElementSpec } from './element-spec.ts';

/** `<Play>` attributes (spec 2.2). */
export const PlayAttributes = z.object({
  loop: int({ min: 0 }).default(1).describe('Repetitions; 0 repeats until the call moves on. Default 1.'),
});

export const PlayVerbSchema = z.object({
  verb: z.literal('Play'),
  ...PlayAttributes.shape,
  /** Text content: one absolute URL of an MP3 or WAV file. */
  url: httpUrl(),
  ...locShape,
});

export type PlayVerb = z.output<typeof PlayVerbSchema>;

export const PlayElement: ElementSpec = {
  name: 'Play',
  attributes: PlayAttributes,
  text: 'url',
  textDescription: 'absolute http(s) URL of an MP3 or WAV file',
  children: [],
  summary: 'Play an audio file (MP3 or WAV) fetched from the URL in the text.',
};
