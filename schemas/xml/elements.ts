import { ConferenceElement } from './conference.ts';
import { DialElement } from './dial.ts';
import { DtmfElement } from './dtmf.ts';
import type { ElementName, ElementSpec } from './element-spec.ts';
import { GatherElement } from './gather.ts';
import { HangupElement } from './hangup.ts';
import { NumberElement } from './number.ts';
import { PlayElement } from './play.ts';
import { PreAnswerElement } from './pre-answer.ts';
import { RecordElement } from './record.ts';
import { RedirectElement } from './redirect.ts';
import { ReferElement } from './refer.ts';
import { ResponseElement } from './response.ts';
import { SpeakElement } from './speak.ts';
import { StreamElement } from './stream.ts';
import { UserElement } from './user.ts';
import { WaitElement } from './wait.ts';

/** Every VobizXML element, in the order of spec 2. Its `children` lists are the nesting matrix (2.0.1). */
export const ELEMENTS: Readonly<Record<ElementName, ElementSpec>> = {
  Response: ResponseElement,
  Speak: SpeakElement,
  Play: PlayElement,
  Wait: WaitElement,
  Gather: GatherElement,
  Dial: DialElement,
  Number: NumberElement,
  User: UserElement,
  Record: RecordElement,
  Conference: ConferenceElement,
  Redirect: RedirectElement,
  Hangup: HangupElement,
  PreAnswer: PreAnswerElement,
  DTMF: DtmfElement,
  Stream: StreamElement,
  /** Patchbay extension (DESIGN 1): transfer with SIP REFER. */
  Refer: ReferElement,
};

export function isElementName(name: string): name is ElementName {
  return Object.hasOwn(ELEMENTS, name);
}

/**
 * Elements allowed in documents fetched for confirmSound / dialMusic / waitSound: "only Play,
 * Speak, Wait (anything else is ignored)" (spec 1.3, 2.0.1).
 */
export const SOUND_ELEMENTS: readonly ElementName[] = ['Play', 'Speak', 'Wait'];
