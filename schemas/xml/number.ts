import { z } from 'zod';
import { bool, keyValues, locShape, pattern } from './attr.ts';
import type { ElementSpec } from './element-spec.ts';

/** `sendDigits`: digits plus `w` (0.5 s pause) / `W` (1 s), spec 2.6. */
export function sendDigits() {
  return pattern(/^[0-9*#wW]+$/, 'digits, *, # and w/W pauses');
}

/** `<Number>` attributes (spec 2.6). `sipHeaders` per the comparison and request pages. */
export const NumberAttributes = z.object({
  sendDigits: sendDigits()
    .optional()
    .describe('DTMF sent once the called party answers; each w waits 0.5 s, W 1 s.'),
  sendOnPreanswer: bool()
    .default(false)
    .describe('true: send sendDigits during early media instead of after answer. Default false.'),
  sipHeaders: keyValues()
    .default({})
    .describe('Custom SIP headers for this leg: name=value pairs separated by commas, [A-Za-z0-9] only.'),
  sipAuthUsername: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .describe('User name for digest authentication when the far end answers 401/407.'),
  sipAuthPassword: z
    .string()
    .max(128)
    .optional()
    .describe('Password for digest authentication, with sipAuthUsername.'),
});

export const NumberTargetSchema = z.object({
  kind: z.literal('Number'),
  /** Text content: the phone number, with country code, `+` optional. */
  number: pattern(/^\+?[0-9]{1,32}$/, 'a phone number (digits with country code, optional +)'),
  ...NumberAttributes.shape,
  ...locShape,
});

export type NumberTarget = z.output<typeof NumberTargetSchema>;

export const NumberElement: ElementSpec = {
  name: 'Number',
  attributes: NumberAttributes,
  text: 'number',
  textDescription: 'phone number with country code (E.164, + optional)',
  children: [],
  summary: 'A phone number to dial (child of Dial).',
};
