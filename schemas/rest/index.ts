/** Zod schemas of the REST API's request bodies and query strings (spec rest-api.md 2-4). */
export {
  ApplicationCreateBody,
  type ApplicationFields,
  ApplicationUpdateBody,
  AttachNumberBody,
} from './application.ts';
export { DtmfBody } from './dtmf.ts';
export { MAX_DESTINATIONS, MakeCallBody, type MakeCallInput } from './make-call.ts';
export { PlayBody } from './play.ts';
export {
  CallGetQuery,
  CallListQuery,
  CdrQuery,
  CdrRecentQuery,
  PageQuery,
  RecordingListQuery,
} from './queries.ts';
export { RecordStartBody, RecordStopBody } from './record.ts';
export { SPEAK_LANGUAGES, SpeakBody } from './speak.ts';
export { StreamStartBody } from './stream.ts';
export { TransferBody } from './transfer.ts';
