import { z } from 'zod';
import { bool, locShape, pattern } from './attr.ts';
import type { ElementSpec } from './element-spec.ts';

/** DTMF text: `1234567890*#wW`; any other character makes Vobiz ignore the element (spec 2.13). */
export const DTMF_DIGITS = /^[0-9*#wW]+$/;

/** `<DTMF>` attributes (spec 2.13). */
export const DtmfAttributes = z.object({
  async: bool()
    .default(true)
    .describe('true: send the tones in the background and move on at once. Default true.'),
});

export const DtmfVerbSchema = z.object({
  verb: z.literal('DTMF'),
  ...DtmfAttributes.shape,
  /** Text content: the digits; `w` pauses 0.5 s, `W` 1 s. */
  digits: pattern(DTMF_DIGITS, 'digits, *, # and w/W pauses'),
  ...locShape,
});

export type DtmfVerb = z.output<typeof DtmfVerbSchema>;

export const DtmfElement: ElementSpec = {
  name: 'DTMF',
  attributes: DtmfAttributes,
  text: 'digits',
  textDescription: 'tones to send: 0-9 * # and w (0.5 s pause) / W (1 s pause)',
  children: [],
  summary: 'Send DTMF tones on the call.',
};
