import type { Verb } from '../../../schemas/xml/index.ts';
import type { VerbHandler } from '../verb.ts';
import { dialVerb } from './dial.ts';
import { dtmfVerb } from './dtmf.ts';
import { gatherVerb } from './gather.ts';
import { hangupVerb } from './hangup.ts';
import { playVerb } from './play.ts';
import { preAnswerVerb } from './pre-answer.ts';
import { recordVerb } from './record.ts';
import { redirectVerb } from './redirect.ts';
import { referVerb } from './refer.ts';
import { speakVerb } from './speak.ts';
import { streamVerb } from './stream.ts';
import { waitVerb } from './wait.ts';

type Handlers = { [K in Verb['verb']]?: VerbHandler<Extract<Verb, { verb: K }>> };

const HANDLERS: Handlers = {
  Speak: speakVerb,
  Play: playVerb,
  Wait: waitVerb,
  Gather: gatherVerb,
  Record: recordVerb,
  Redirect: redirectVerb,
  Hangup: hangupVerb,
  PreAnswer: preAnswerVerb,
  DTMF: dtmfVerb,
  Dial: dialVerb,
  Stream: streamVerb,
  /** Patchbay extension: transfer with SIP REFER. */
  Refer: referVerb,
};

/** The handler of a verb, or undefined for verbs this version does not run yet. */
export function verbHandler(name: Verb['verb']): VerbHandler<Verb> | undefined {
  return HANDLERS[name] as VerbHandler<Verb> | undefined;
}
