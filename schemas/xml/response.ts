import { z } from 'zod';
import { ConferenceVerbSchema } from './conference.ts';
import { DialVerbSchema } from './dial.ts';
import { DtmfVerbSchema } from './dtmf.ts';
import type { ElementSpec } from './element-spec.ts';
import { GatherVerbSchema } from './gather.ts';
import { HangupVerbSchema } from './hangup.ts';
import { PlayVerbSchema } from './play.ts';
import { PreAnswerVerbSchema } from './pre-answer.ts';
import { RecordVerbSchema } from './record.ts';
import { RedirectVerbSchema } from './redirect.ts';
import { ReferVerbSchema } from './refer.ts';
import { SpeakVerbSchema } from './speak.ts';
import { StreamVerbSchema } from './stream.ts';
import { WaitVerbSchema } from './wait.ts';

/** `<Response>` has no attributes (spec 2.0). */
export const ResponseAttributes = z.object({});

/** Any verb a `Response` may hold (spec 2.0.1), told apart by `verb`. */
export const VerbSchema = z.discriminatedUnion('verb', [
  SpeakVerbSchema,
  PlayVerbSchema,
  WaitVerbSchema,
  GatherVerbSchema,
  DialVerbSchema,
  RecordVerbSchema,
  ConferenceVerbSchema,
  RedirectVerbSchema,
  HangupVerbSchema,
  PreAnswerVerbSchema,
  DtmfVerbSchema,
  StreamVerbSchema,
  ReferVerbSchema,
]);

export type Verb = z.output<typeof VerbSchema>;

/** A validated VobizXML document: the verbs of its `Response`, in document order (spec 1.2). */
export const VobizDocumentSchema = z.object({
  verbs: z.array(VerbSchema),
});

export type VobizDocument = z.output<typeof VobizDocumentSchema>;

export const ResponseElement: ElementSpec = {
  name: 'Response',
  attributes: ResponseAttributes,
  children: [
    'Speak',
    'Play',
    'Wait',
    'Gather',
    'Dial',
    'Record',
    'Conference',
    'Redirect',
    'Hangup',
    'PreAnswer',
    'DTMF',
    'Stream',
    'Refer',
  ],
  summary: 'Root element: its children are verbs run one after another, top to bottom.',
};
