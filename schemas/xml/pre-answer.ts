import { z } from 'zod';
import { locShape } from './attr.ts';
import type { ElementSpec } from './element-spec.ts';
import { PlayVerbSchema } from './play.ts';
import { SpeakVerbSchema } from './speak.ts';
import { WaitVerbSchema } from './wait.ts';

/** `<PreAnswer>` has no attributes (spec 2.12). */
export const PreAnswerAttributes = z.object({});

export const PreAnswerVerbSchema = z.object({
  verb: z.literal('PreAnswer'),
  /** Speak, Play and Wait only (spec 2.0.1). */
  children: z.array(z.discriminatedUnion('verb', [SpeakVerbSchema, PlayVerbSchema, WaitVerbSchema])),
  ...locShape,
});

export type PreAnswerVerb = z.output<typeof PreAnswerVerbSchema>;

export const PreAnswerElement: ElementSpec = {
  name: 'PreAnswer',
  attributes: PreAnswerAttributes,
  children: ['Speak', 'Play', 'Wait'],
  summary: 'Play Speak/Play/Wait as early media before the call is answered.',
};
