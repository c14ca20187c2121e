import type { RecordingRecord, RecordingStore } from '../store/types.ts';
import type { Logger } from '../util/log.ts';
import type { LiveCalls } from './live-calls.ts';
import type { CompletedRecording, RecordingFiles, RecordingTarget } from './verb.ts';

/** `2025-11-06 13:49:10.751756+00:00` (rest-api 4.5 add_time). */
function addTime(d: Date): string {
  const us = String(d.getUTCMilliseconds() * 1000).padStart(6, '0');
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}.${us}+00:00`;
}

/** Epoch ms as the Recording object writes them: `"1762436939422.00000"`. */
const decimalMs = (ms: number): string => `${Math.round(ms)}.00000`;

/**
 * Recording files that, once complete, are entered in the store's recording index (the
 * Recording API lists them). The caller's numbers come from the live call when it is still
 * known here, which it is while a recording of it can end.
 */
export class IndexedRecordingFiles implements RecordingFiles {
  constructor(
    private readonly files: RecordingFiles,
    private readonly store: RecordingStore,
    private readonly live: LiveCalls,
    private readonly nodeId: string,
    private readonly log: Logger,
  ) {}

  allocate(callUuid: string, format: 'wav' | 'mp3'): RecordingTarget {
    return this.files.allocate(callUuid, format);
  }

  completed(callUuid: string, done: CompletedRecording): void {
    const call = this.live.get(callUuid)?.record;
    const record: RecordingRecord = {
      recording_id: done.target.id,
      recording_url: done.target.url,
      recording_format: done.format,
      recording_type: 'call',
      call_uuid: callUuid,
      conference_name: null,
      from_number: call?.from ?? '',
      to_number: call?.to ?? '',
      add_time: addTime(new Date()),
      recording_start_ms: decimalMs(done.startMs),
      recording_end_ms: decimalMs(done.endMs),
      recording_duration_ms: decimalMs(done.durationMs),
      // Billing convention: whole minutes, rounded up.
      rounded_recording_duration: Math.max(60, Math.ceil(done.durationMs / 60_000) * 60),
      node_id: this.nodeId,
    };
    this.store
      .add(record)
      .catch((err) => this.log.error({ err, recordingId: record.recording_id }, 'recording not indexed'));
  }
}
