import assert from 'node:assert/strict';
import { test } from 'node:test';
import type * as S from '../../../schemas/xml/index.ts';

/**
 * The validated document's shape is a contract with the verbs (task A): the types inferred from
 * the zod schemas must be exactly these interfaces. A mismatch fails `tsc` (npm test runs it).
 */
type Method = 'GET' | 'POST';
interface Loc {
  path: string;
  line: number;
  col: number;
}
interface SpeakVerb extends Loc {
  verb: 'Speak';
  voice: string;
  language: string;
  loop: number;
  text: string;
  ssml?: string;
}
interface PlayVerb extends Loc {
  verb: 'Play';
  loop: number;
  url: string;
}
interface WaitVerb extends Loc {
  verb: 'Wait';
  length: number;
  silence: boolean;
  minSilence: number;
  beep: boolean;
}
interface GatherVerb extends Loc {
  verb: 'Gather';
  action: string;
  method: Method;
  inputType: 'dtmf' | 'speech' | 'dtmf speech';
  executionTimeout: number;
  digitEndTimeout: number | 'auto';
  speechEndTimeout: number | 'auto';
  finishOnKey: string;
  numDigits: number;
  speechModel: 'default' | 'command_and_search' | 'phone_call';
  hints?: string;
  language: string;
  interimSpeechResultsCallback?: string;
  interimSpeechResultsCallbackMethod: Method;
  log: boolean;
  redirect: boolean;
  profanityFilter: boolean;
  validDigits?: string;
  retries: number;
  invalidDigitsSound?: string;
  playBeep: boolean;
  prompts: Array<SpeakVerb | PlayVerb | WaitVerb>;
}
interface NumberTarget extends Loc {
  kind: 'Number';
  number: string;
  sendDigits?: string;
  sendOnPreanswer: boolean;
  sipHeaders: Record<string, string>;
  sipAuthUsername?: string;
  sipAuthPassword?: string;
}
interface UserTarget extends Loc {
  kind: 'User';
  uri: string;
  sendDigits?: string;
  sendOnPreanswer: boolean;
  sipHeaders: Record<string, string>;
  sipAuthUsername?: string;
  sipAuthPassword?: string;
}
interface RecordVerb extends Loc {
  verb: 'Record';
  action: string;
  method: Method;
  fileFormat: 'mp3' | 'wav';
  redirect: boolean;
  timeout: number;
  maxLength: number;
  playBeep: boolean;
  finishOnKey: string;
  recordSession: boolean;
  startOnDialAnswer: boolean;
  transcriptionType: 'auto' | 'hybrid';
  transcriptionUrl?: string;
  transcriptionMethod: Method;
  callbackUrl?: string;
  callbackMethod: Method;
}
interface DialVerb extends Loc {
  verb: 'Dial';
  action?: string;
  method: Method;
  hangupOnStar: boolean;
  timeLimit: number;
  timeout?: number;
  callerId?: string;
  callerName?: string;
  confirmSound?: string;
  confirmKey?: string;
  confirmTimeout: number;
  dialMusic: string;
  callbackUrl?: string;
  callbackMethod: Method;
  redirect: boolean;
  digitsMatch: string[];
  digitsMatchBLeg: string[];
  sipHeaders: Record<string, string>;
  targets: Array<NumberTarget | UserTarget>;
  record?: RecordVerb;
}
interface ConferenceVerb extends Loc {
  verb: 'Conference';
  room: string;
  muted: boolean;
  beep: boolean;
  startConferenceOnEnter: boolean;
  endConferenceOnExit: boolean;
  maxParticipants: number;
  waitSound?: string;
  waitMethod: Method;
  callbackUrl?: string;
  callbackMethod: Method;
  record: boolean;
  timeLimit?: number;
}
interface RedirectVerb extends Loc {
  verb: 'Redirect';
  method: Method;
  url: string;
}
interface HangupVerb extends Loc {
  verb: 'Hangup';
  reason?: 'rejected' | 'busy';
  schedule?: number;
}
interface PreAnswerVerb extends Loc {
  verb: 'PreAnswer';
  children: Array<SpeakVerb | PlayVerb | WaitVerb>;
}
interface DtmfVerb extends Loc {
  verb: 'DTMF';
  digits: string;
  async: boolean;
}
interface StreamVerb extends Loc {
  verb: 'Stream';
  url: string;
  bidirectional: boolean;
  audioTrack: 'inbound' | 'outbound' | 'both';
  streamTimeout: number;
  statusCallbackUrl?: string;
  statusCallbackMethod: Method;
  contentType:
    | 'audio/x-l16;rate=8000'
    | 'audio/x-l16;rate=16000'
    | 'audio/x-l16;rate=24000'
    | 'audio/x-mulaw;rate=8000';
  extraHeaders: Record<string, string>;
  keepCallAlive: boolean;
  maxRetries: number;
}
/** Patchbay extension (DESIGN 1). */
interface ReferVerb extends Loc {
  verb: 'Refer';
  action?: string;
  method: Method;
  redirect: boolean;
  timeout: number;
  sipHeaders: Record<string, string>;
  mode: 'blind' | 'attended';
  target: string;
}
type Verb =
  | SpeakVerb
  | PlayVerb
  | WaitVerb
  | GatherVerb
  | DialVerb
  | RecordVerb
  | ConferenceVerb
  | RedirectVerb
  | HangupVerb
  | PreAnswerVerb
  | DtmfVerb
  | StreamVerb
  | ReferVerb;
interface VobizDocument {
  verbs: Verb[];
}

/** True only when A and B are the same type (both directions, optionality included). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

const checks = {
  Method: true as Equals<S.Method, Method>,
  Loc: true as Same<S.Loc, Loc>,
  Speak: true as Same<S.SpeakVerb, SpeakVerb>,
  Play: true as Same<S.PlayVerb, PlayVerb>,
  Wait: true as Same<S.WaitVerb, WaitVerb>,
  Gather: true as Same<S.GatherVerb, GatherVerb>,
  Number: true as Same<S.NumberTarget, NumberTarget>,
  User: true as Same<S.UserTarget, UserTarget>,
  Record: true as Same<S.RecordVerb, RecordVerb>,
  Dial: true as Same<S.DialVerb, DialVerb>,
  Conference: true as Same<S.ConferenceVerb, ConferenceVerb>,
  Redirect: true as Same<S.RedirectVerb, RedirectVerb>,
  Hangup: true as Same<S.HangupVerb, HangupVerb>,
  PreAnswer: true as Same<S.PreAnswerVerb, PreAnswerVerb>,
  Dtmf: true as Same<S.DtmfVerb, DtmfVerb>,
  Stream: true as Same<S.StreamVerb, StreamVerb>,
  Refer: true as Same<S.ReferVerb, ReferVerb>,
  Verb: true as Same<S.Verb, Verb>,
  VobizDocument: true as Same<S.VobizDocument, VobizDocument>,
} satisfies Record<string, true>;

// Required keys must stay required: an optional `text` would still be assignable one way.
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
const required = {
  Speak: true as Equals<RequiredKeys<S.SpeakVerb>, RequiredKeys<SpeakVerb>>,
  Gather: true as Equals<RequiredKeys<S.GatherVerb>, RequiredKeys<GatherVerb>>,
  Dial: true as Equals<RequiredKeys<S.DialVerb>, RequiredKeys<DialVerb>>,
  Record: true as Equals<RequiredKeys<S.RecordVerb>, RequiredKeys<RecordVerb>>,
  Stream: true as Equals<RequiredKeys<S.StreamVerb>, RequiredKeys<StreamVerb>>,
  Conference: true as Equals<RequiredKeys<S.ConferenceVerb>, RequiredKeys<ConferenceVerb>>,
} satisfies Record<string, true>;

test('inferred verb types match the contract (checked by tsc)', () => {
  assert.ok(Object.values(checks).every((v) => v === true));
  assert.ok(Object.values(required).every((v) => v === true));
});
