import { z } from 'zod';
import { bool, expected, httpUrl, int, locShape, method } from './attr.ts';
import type { ElementSpec } from './element-spec.ts';

/** `<Conference>` attributes (spec 2.9). */
export const ConferenceAttributes = z.object({
  muted: bool().default(false).describe('Join muted (can hear, cannot be heard). Default false.'),
  beep: bool().default(true).describe('Beep when a participant joins or leaves. Default true.'),
  startConferenceOnEnter: bool()
    .default(true)
    .describe('This participant starts the conference; false waits on hold for one who does. Default true.'),
  endConferenceOnExit: bool()
    .default(false)
    .describe('When this participant leaves, the conference ends for everyone. Default false.'),
  maxParticipants: int({ min: 1 }).default(200).describe('Callers beyond this are rejected. Default 200.'),
  waitSound: httpUrl()
    .optional()
    .describe('Absolute URL of XML (Play/Speak/Wait) played while waiting for the start.'),
  waitMethod: method().describe('GET or POST for waitSound. Default POST.'),
  callbackUrl: httpUrl().optional().describe('Absolute URL notified of enter, exit, start and end.'),
  callbackMethod: method().describe('GET or POST for callbackUrl. Default POST.'),
  record: bool().default(false).describe('Record the whole conference. Default false.'),
  timeLimit: int({ min: 1 }).optional().describe('Maximum conference duration in seconds.'),
});

export const ConferenceVerbSchema = z.object({
  verb: z.literal('Conference'),
  ...ConferenceAttributes.shape,
  /** Text content: the room name, case-sensitive. */
  room: z
    .string()
    .min(1, { error: 'expected a room name, got an empty element' })
    .max(256, { error: expected('a room name of at most 256 characters') }),
  ...locShape,
});

export type ConferenceVerb = z.output<typeof ConferenceVerbSchema>;

export const ConferenceElement: ElementSpec = {
  name: 'Conference',
  attributes: ConferenceAttributes,
  text: 'room',
  textDescription: 'room name (case-sensitive)',
  children: [],
  summary: 'Join the named conference room.',
};
