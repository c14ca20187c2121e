/** The `<Stream>` WebSocket bridge (spec/vobizxml.md 2.14, 3; rest-api 3.5, 5.8). */
export { CallStreams, type CallStreamsDeps } from './call-streams.ts';
export {
  DEFAULT_STREAM_LIMITS,
  type StreamConfig,
  type StreamInfoRecord,
  type StreamLimits,
} from './stream-config.ts';
export {
  defaultStreamEgress,
  type StreamEgress,
} from './stream-egress.ts';
export { StreamError, type StreamErrorCode } from './stream-error.ts';
export {
  decodeMediaPayload,
  parseStreamContentType,
  type StreamFormat,
} from './stream-format.ts';
export { StreamSession, type StreamSessionDeps } from './stream-session.ts';
export type { StreamEnd, StreamEndReason, StreamState } from './stream-state.ts';
export type { StreamStats } from './stream-stats.ts';
export type { StreamNotify, StreamStatusEvent } from './stream-status.ts';
