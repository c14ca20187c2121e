/**
 * VobizXML schemas (spec/vobizxml.md sections 2 and Appendix A): one zod schema per element,
 * the types of the validated document inferred from them, and the element registry the parser
 * and the JSON Schema generator read.
 */
import type { z } from 'zod';
import type { locShape } from './attr.ts';

export {
  ConferenceAttributes,
  ConferenceElement,
  type ConferenceVerb,
  ConferenceVerbSchema,
} from './conference.ts';
export {
  DIAL_MAX_TARGETS,
  DIAL_TIME_LIMIT_CAP,
  DialAttributes,
  DialElement,
  type DialVerb,
  DialVerbSchema,
} from './dial.ts';
export { DTMF_DIGITS, DtmfAttributes, DtmfElement, type DtmfVerb, DtmfVerbSchema } from './dtmf.ts';
export type { AttributeNote, ElementName, ElementSpec } from './element-spec.ts';
export { ELEMENTS, isElementName, SOUND_ELEMENTS } from './elements.ts';
export { GatherAttributes, GatherElement, type GatherVerb, GatherVerbSchema } from './gather.ts';
export { HangupAttributes, HangupElement, type HangupVerb, HangupVerbSchema } from './hangup.ts';
export { NumberAttributes, NumberElement, type NumberTarget, NumberTargetSchema } from './number.ts';
export { PlayAttributes, PlayElement, type PlayVerb, PlayVerbSchema } from './play.ts';
export {
  PreAnswerAttributes,
  PreAnswerElement,
  type PreAnswerVerb,
  PreAnswerVerbSchema,
} from './pre-answer.ts';
export { RecordAttributes, RecordElement, type RecordVerb, RecordVerbSchema } from './record.ts';
export { RedirectAttributes, RedirectElement, type RedirectVerb, RedirectVerbSchema } from './redirect.ts';
export { ReferAttributes, ReferElement, type ReferVerb, ReferVerbSchema } from './refer.ts';
export {
  ResponseAttributes,
  ResponseElement,
  type Verb,
  VerbSchema,
  type VobizDocument,
  VobizDocumentSchema,
} from './response.ts';
export { SpeakAttributes, SpeakElement, type SpeakVerb, SpeakVerbSchema } from './speak.ts';
export {
  STREAM_CONTENT_TYPES,
  StreamAttributes,
  StreamElement,
  type StreamVerb,
  StreamVerbSchema,
} from './stream.ts';
export { UserAttributes, UserElement, type UserTarget, UserTargetSchema } from './user.ts';
export { WaitAttributes, WaitElement, type WaitVerb, WaitVerbSchema } from './wait.ts';

/** HTTP method attributes (spec 0): GET or POST, default POST. */
export type Method = 'GET' | 'POST';

/** Where an element sits: `path` like `Response/Gather[2]/Speak[1]`, 1-based line:col of its start tag. */
export type Loc = z.output<z.ZodObject<typeof locShape>>;
