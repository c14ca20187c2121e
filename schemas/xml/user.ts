import { z } from 'zod';
import { bool, keyValues, locShape, pattern } from './attr.ts';
import type { ElementSpec } from './element-spec.ts';
import { sendDigits } from './number.ts';

/** `<User>` attributes (spec 2.7). */
export const UserAttributes = z.object({
  sendDigits: sendDigits()
    .optional()
    .describe('DTMF sent once the endpoint answers; each w waits 0.5 s, W 1 s.'),
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

export const UserTargetSchema = z.object({
  kind: z.literal('User'),
  /** Text content: a SIP URI such as `sip:alice@pbx.example.com`. */
  uri: pattern(/^sips?:[^\s<>"]+$/, 'a SIP URI like sip:alice@example.com'),
  ...UserAttributes.shape,
  ...locShape,
});

export type UserTarget = z.output<typeof UserTargetSchema>;

export const UserElement: ElementSpec = {
  name: 'User',
  attributes: UserAttributes,
  text: 'uri',
  textDescription: 'SIP URI of the endpoint, e.g. sip:alice@example.com',
  children: [],
  summary: 'A SIP endpoint to dial (child of Dial).',
};
