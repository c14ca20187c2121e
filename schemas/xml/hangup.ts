import { z } from 'zod';
import { int, locShape, oneOf } from './attr.ts';
import type { ElementSpec } from './element-spec.ts';

/** `<Hangup>` attributes (spec 2.11). */
export const HangupAttributes = z.object({
  reason: oneOf(['rejected', 'busy'])
    .optional()
    .describe('Reason given when rejecting an unanswered call: rejected or busy.'),
  schedule: int({ min: 1 }).optional().describe('Hang up after this many seconds while later verbs run.'),
});

export const HangupVerbSchema = z.object({
  verb: z.literal('Hangup'),
  ...HangupAttributes.shape,
  ...locShape,
});

export type HangupVerb = z.output<typeof HangupVerbSchema>;

export const HangupElement: ElementSpec = {
  name: 'Hangup',
  attributes: HangupAttributes,
  children: [],
  summary: 'End the call, or reject it when it is not answered yet.',
};
