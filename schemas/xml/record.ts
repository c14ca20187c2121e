import { z } from 'zod';
import { bool, httpUrl, int, keys, locShape, method, oneOf } from './attr.ts';
import type { ElementSpec } from './element-spec.ts';

/** `<Record>` attributes (spec 2.8). */
export const RecordAttributes = z.object({
  action: httpUrl().describe('Required. Absolute URL that receives the recording parameters.'),
  method: method().describe('GET or POST for action. Default POST.'),
  fileFormat: oneOf(['mp3', 'wav']).default('mp3').describe('Recording format: mp3 or wav. Default mp3.'),
  redirect: bool()
    .default(false)
    .describe('true: after recording, the XML returned by action takes over. Default false.'),
  timeout: int({ min: 1 }).default(60).describe('Seconds of silence that end the recording. Default 60.'),
  maxLength: int({ min: 1 }).default(60).describe('Maximum recording length in seconds. Default 60.'),
  playBeep: bool().default(true).describe('Beep before recording starts. Default true.'),
  finishOnKey: keys(/^([0-9*#]*|none)$/, 'keys among 0-9, * and #, "" or none')
    .default('1234567890*#')
    .describe('Keys that stop the recording; "" or none for no key. Default 1234567890*#.'),
  recordSession: bool()
    .default(false)
    .describe('Record the rest of the call in the background until hangup. Default false.'),
  startOnDialAnswer: bool()
    .default(false)
    .describe('Start when the dialled party answers (Record inside Dial). Default false.'),
  transcriptionType: oneOf(['auto', 'hybrid']).default('auto').describe('auto or hybrid. Default auto.'),
  transcriptionUrl: httpUrl().optional().describe('Absolute URL that receives the transcription.'),
  transcriptionMethod: method().describe('GET or POST for transcriptionUrl. Default POST.'),
  callbackUrl: httpUrl().optional().describe('Absolute URL notified when the recording file is ready.'),
  callbackMethod: method().describe('GET or POST for callbackUrl. Default POST.'),
});

export const RecordVerbSchema = z.object({
  verb: z.literal('Record'),
  ...RecordAttributes.shape,
  ...locShape,
});

export type RecordVerb = z.output<typeof RecordVerbSchema>;

export const RecordElement: ElementSpec = {
  name: 'Record',
  attributes: RecordAttributes,
  children: [],
  summary: 'Record the caller (or, with recordSession, the whole call) and post the file URL to action.',
};
