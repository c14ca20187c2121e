import { z } from 'zod';
import { int, languageCode, locShape, pattern } from './attr.ts';
import type { ElementSpec } from './element-spec.ts';

/** `<Speak>` attributes (spec 2.1). `voice` also takes Amazon Polly names seen in SSML examples. */
export const SpeakAttributes = z.object({
  voice: pattern(/^(WOMAN|MAN|Polly\.[A-Za-z][A-Za-z0-9-]*)$/, 'WOMAN, MAN or Polly.<Name>')
    .default('WOMAN')
    .describe('Voice: WOMAN, MAN, or an Amazon Polly voice as Polly.<Name>. Default WOMAN.'),
  language: languageCode().default('en-US').describe('TTS language code. Default en-US.'),
  loop: int({ min: 0 }).default(1).describe('Repetitions; 0 repeats until the call moves on. Default 1.'),
});

export const SpeakVerbSchema = z.object({
  verb: z.literal('Speak'),
  ...SpeakAttributes.shape,
  /** Text with SSML tags stripped, whitespace collapsed, entities decoded (by the parser). */
  text: z.string().min(1, { error: 'expected text to speak, got an empty element' }),
  /** The raw inner markup, when it contained SSML elements. */
  ssml: z.string().optional(),
  ...locShape,
});

export type SpeakVerb = z.output<typeof SpeakVerbSchema>;

export const SpeakElement: ElementSpec = {
  name: 'Speak',
  attributes: SpeakAttributes,
  text: 'text',
  textDescription: 'text to speak, plain or with SSML markup',
  children: [],
  summary: 'Speak text to the caller (text to speech).',
};
