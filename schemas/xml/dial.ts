import { z } from 'zod';
import { bool, digitPatterns, expected, httpUrl, int, keyValues, locShape, method, pattern } from './attr.ts';
import type { AttributeNote, ElementSpec } from './element-spec.ts';
import { NumberTargetSchema } from './number.ts';
import { RecordVerbSchema } from './record.ts';
import { UserTargetSchema } from './user.ts';

/** Longest bridged call: "any value >= 86400 is capped at 24 h" (spec 2.5). */
export const DIAL_TIME_LIMIT_CAP = 86400;
/** "maximum 10 destinations per Dial" (spec 2.5, [V-old]). */
export const DIAL_MAX_TARGETS = 10;

/** `dialMusic`: an absolute URL or the literal `real` (spec 2.5). */
function dialMusic() {
  const error = expected('an absolute http(s) URL or "real"');
  return z
    .string({ error })
    .refine((s) => s === 'real' || (/^https?:\/\/[^\s/?#]+[^\s]*$/i.test(s) && URL.canParse(s)), { error });
}

/** `<Dial>` attributes (spec 2.5). */
export const DialAttributes = z.object({
  action: httpUrl().optional().describe('Absolute URL requested when the Dial ends.'),
  method: method().describe('GET or POST for action. Default POST.'),
  hangupOnStar: bool()
    .default(false)
    .describe('true: the caller may press * to drop the called party. Default false.'),
  timeLimit: int({ min: 1, cap: DIAL_TIME_LIMIT_CAP })
    .default(14400)
    .describe('Maximum bridged duration in seconds; values >= 86400 are capped at 86400. Default 14400.'),
  timeout: int({ min: 1 }).optional().describe('Seconds the called party may ring before the attempt fails.'),
  callerId: pattern(/^\+?[A-Za-z0-9._-]{1,64}$/, 'a phone number or SIP user name')
    .optional()
    .describe('Caller ID presented to the called party. Default: the current caller ID.'),
  callerName: z
    .string()
    .max(50, { error: expected('at most 50 characters') })
    .optional()
    .describe('Caller name presented, at most 50 characters.'),
  confirmSound: httpUrl()
    .optional()
    .describe('Absolute URL of XML (Play/Speak/Wait) played to the called party on answer.'),
  confirmKey: pattern(/^[0-9*#]$/, 'one of 0-9, * or #')
    .optional()
    .describe('Key the called party presses to accept the call; needs confirmSound.'),
  confirmTimeout: int({ min: 1 })
    .default(120)
    .describe('Seconds before auto-accepting when confirmSound is set without confirmKey. Default 120.'),
  dialMusic: dialMusic()
    .default('real')
    .describe(
      'Absolute URL of XML (Play/Speak/Wait) played while dialling, or real for ringback. Default real.',
    ),
  callbackUrl: httpUrl().optional().describe('Absolute URL notified of answer, bridge, hangup and digits.'),
  callbackMethod: method().describe('GET or POST for callbackUrl. Default POST.'),
  redirect: bool()
    .default(true)
    .describe('true: the XML returned by action takes over the call. Default true.'),
  digitsMatch: digitPatterns()
    .default([])
    .describe('Comma-separated digit patterns; a match on the caller side notifies callbackUrl.'),
  digitsMatchBLeg: digitPatterns()
    .default([])
    .describe('Comma-separated digit patterns; a match on the called side notifies callbackUrl.'),
  sipHeaders: keyValues()
    .default({})
    .describe(
      'Custom SIP headers for the dialled legs: name=value pairs separated by commas, [A-Za-z0-9] only.',
    ),
});

export const DialVerbSchema = z
  .object({
    verb: z.literal('Dial'),
    ...DialAttributes.shape,
    /** Number and User children (a bare phone number as text is one Number), 1 to 10. */
    targets: z
      .array(z.discriminatedUnion('kind', [NumberTargetSchema, UserTargetSchema]))
      .min(1, { error: 'needs at least one Number or User (or a phone number as text)' })
      .max(DIAL_MAX_TARGETS, {
        error: (iss) =>
          `at most ${DIAL_MAX_TARGETS} destinations per Dial, got ${(iss.input as unknown[]).length}`,
      }),
    /** Optional nested Record (with startOnDialAnswer="true") that records the bridged call. */
    record: RecordVerbSchema.optional(),
    ...locShape,
  })
  .superRefine((dial, ctx) => {
    // Appendix A: confirmKey requires confirmSound.
    if (dial.confirmKey !== undefined && dial.confirmSound === undefined) {
      ctx.addIssue({ code: 'custom', path: ['confirmSound'], message: 'required when confirmKey is set' });
    }
    // Spec 2.0.1: Record may be nested "with startOnDialAnswer="true"".
    if (dial.record && !dial.record.startOnDialAnswer) {
      ctx.addIssue({
        code: 'custom',
        path: ['record', 'startOnDialAnswer'],
        message: 'must be "true" for a Record inside Dial',
      });
    }
  });

export type DialVerb = z.output<typeof DialVerbSchema>;

/** confirmTimeout only applies with confirmSound and without confirmKey (spec 2.5). */
function dialNotes(attrs: Readonly<Record<string, string>>): AttributeNote[] {
  if (attrs.confirmTimeout === undefined) return [];
  if (attrs.confirmSound === undefined) {
    return [{ attr: 'confirmTimeout', message: 'ignored: confirmTimeout only applies with confirmSound' }];
  }
  if (attrs.confirmKey !== undefined) {
    return [{ attr: 'confirmTimeout', message: 'ignored: confirmTimeout only applies without confirmKey' }];
  }
  return [];
}

export const DialElement: ElementSpec = {
  name: 'Dial',
  attributes: DialAttributes,
  textDescription: 'optional shorthand: a bare phone number, same as one <Number>',
  children: ['Number', 'User', 'Record'],
  summary: 'Call one or more Numbers/Users at once and bridge the first that answers.',
  notes: dialNotes,
};
