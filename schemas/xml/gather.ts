import { z } from 'zod';
import {
  bool,
  expected,
  httpUrl,
  int,
  keys,
  languageCode,
  locShape,
  method,
  oneOf,
  pattern,
} from './attr.ts';
import type { ElementSpec } from './element-spec.ts';
import { PlayVerbSchema } from './play.ts';
import { SpeakVerbSchema } from './speak.ts';
import { WaitVerbSchema } from './wait.ts';

/** `digitEndTimeout` / `speechEndTimeout`: 2-10 seconds or `auto` (spec 2.4). */
function endTimeout() {
  const error = expected('an integer 2-10 or "auto"');
  return z.codec(
    z.string({ error }).regex(/^(auto|[0-9]{1,2})$/, { error }),
    z.union([z.literal('auto'), z.number().int().min(2, { error }).max(10, { error })]),
    {
      decode: (s) => (s === 'auto' ? ('auto' as const) : Number(s)),
      encode: (v) => String(v),
    },
  );
}

/** `hints`: non-empty comma-separated phrases; 500 phrases, 10,000 characters, 100 per phrase. */
function hints() {
  const error = expected('comma-separated phrases (at most 500, 100 characters each, 10000 in all)');
  return z
    .string({ error })
    .max(10000, { error })
    .refine(
      (s) => {
        const phrases = s.split(',');
        if (phrases.length > 500) return false;
        return phrases.every((p) => {
          const t = p.trim();
          return t.length > 0 && t.length <= 100;
        });
      },
      { error },
    );
}

/** `<Gather>` attributes (spec 2.4), plus the GetDigits heritage that Patchbay keeps (spec 2.4.1). */
export const GatherAttributes = z.object({
  action: httpUrl().describe('Required. Absolute URL that receives the collected input.'),
  method: method().describe('GET or POST for action. Default POST.'),
  inputType: oneOf(['dtmf', 'speech', 'dtmf speech'])
    .default('dtmf')
    .describe('Input listened for: dtmf, speech, or "dtmf speech". Default dtmf.'),
  executionTimeout: int({ min: 5, max: 60 })
    .default(15)
    .describe('Seconds allowed for input after the prompts end, 5-60. Default 15.'),
  digitEndTimeout: endTimeout()
    .default('auto')
    .describe('Max seconds between digits, 2-10, or auto. Default auto.'),
  speechEndTimeout: endTimeout()
    .default('auto')
    .describe('Seconds of silence that end speech, 2-10, or auto. Default auto.'),
  finishOnKey: keys(/^([0-9*#]|none)?$/, 'one of 0-9, *, #, "" or none')
    .default('#')
    .describe('Key that submits the digits: one of 0-9 * #, or "" / none for no key. Default #.'),
  numDigits: int({ min: 1, max: 32 }).default(32).describe('Max digits collected, 1-32. Default 32.'),
  speechModel: oneOf(['default', 'command_and_search', 'phone_call'])
    .default('default')
    .describe('ASR model: default, command_and_search or phone_call. Default default.'),
  hints: hints().optional().describe('Comma-separated phrases that boost recognition.'),
  language: languageCode().default('en-US').describe('ASR language code. Default en-US.'),
  interimSpeechResultsCallback: httpUrl()
    .optional()
    .describe('Absolute URL that receives partial transcripts in real time.'),
  interimSpeechResultsCallbackMethod: method().describe(
    'GET or POST for interimSpeechResultsCallback. Default POST.',
  ),
  log: bool().default(true).describe('false: do not log the collected input. Default true.'),
  redirect: bool()
    .default(true)
    .describe('true: the XML returned by action takes over the call. Default true.'),
  profanityFilter: bool().default(false).describe('Mask profanities in transcripts. Default false.'),
  // Patchbay extensions from Plivo's GetDigits (spec 2.4.1), not Vobiz Gather attributes.
  validDigits: pattern(/^[0-9*#]+$/, 'a set of keys among 0-9, * and #')
    .optional()
    .describe('Patchbay extension: keys accepted; others count as invalid input. Default all.'),
  retries: int({ min: 1 })
    .default(1)
    .describe('Patchbay extension: attempts when input is invalid or missing. Default 1.'),
  invalidDigitsSound: httpUrl()
    .optional()
    .describe('Patchbay extension: audio URL played after invalid input.'),
  playBeep: bool().default(false).describe('Patchbay extension: beep before listening. Default false.'),
});

export const GatherVerbSchema = z.object({
  verb: z.literal('Gather'),
  ...GatherAttributes.shape,
  /** Nested prompts: Speak, Play and (Patchbay extension) Wait. */
  prompts: z.array(z.discriminatedUnion('verb', [SpeakVerbSchema, PlayVerbSchema, WaitVerbSchema])),
  ...locShape,
});

export type GatherVerb = z.output<typeof GatherVerbSchema>;

export const GatherElement: ElementSpec = {
  name: 'Gather',
  attributes: GatherAttributes,
  children: ['Speak', 'Play', 'Wait'],
  summary: 'Collect DTMF digits and/or speech and send them to action.',
  aliases: { timeout: 'executionTimeout' },
};
