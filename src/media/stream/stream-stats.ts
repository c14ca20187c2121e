import type { AppMessageProblem } from './stream-protocol.ts';

/** Counters of one stream over all its connections; what the logs and the bench read. */
export interface StreamStats {
  connects: number;
  /** Connections that failed to open or closed abnormally. */
  failures: number;
  mediaSent: number;
  /** Media frames not sent because the socket's send buffer was over the bound (back-pressure). */
  mediaDropped: number;
  /** Silence frames sent for audio that did not come (RTP gaps). */
  mediaFilled: number;
  /** Highest `bufferedAmount` seen when sending, bytes. */
  maxBufferedBytes: number;
  dtmfSent: number;
  playAudio: number;
  /** playAudio refused because the playout queue was full. */
  playoutOverflow: number;
  checkpoints: number;
  playedStream: number;
  clearAudio: number;
  /** Frames from the application that were garbage, by kind; `oversized` closes the connection. */
  garbage: Record<AppMessageProblem | 'oversized' | 'not-bidirectional' | 'bad-audio', number>;
}

export function emptyStreamStats(): StreamStats {
  return {
    connects: 0,
    failures: 0,
    mediaSent: 0,
    mediaDropped: 0,
    mediaFilled: 0,
    maxBufferedBytes: 0,
    dtmfSent: 0,
    playAudio: 0,
    playoutOverflow: 0,
    checkpoints: 0,
    playedStream: 0,
    clearAudio: 0,
    garbage: {
      binary: 0,
      'not-json': 0,
      'bad-message': 0,
      'unknown-event': 0,
      'bad-base64': 0,
      oversized: 0,
      'not-bidirectional': 0,
      'bad-audio': 0,
    },
  };
}
