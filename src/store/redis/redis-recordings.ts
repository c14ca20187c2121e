/**
 * The recording index in Redis: JSON under `rec:{id}`, and sorted sets by add_time (epoch ms)
 * of all recordings, of each call and of each type. A list by type or of everything is a
 * ZCARD + ZREVRANGE of one page (cost of the page); a list by call reads that call's few
 * recordings. Adds go through the outbox (kept while Redis is away).
 */
import { matchesRecording, recordingKey } from '../filters.ts';
import { compareDesc, normalizePage, pageOf } from '../order.ts';
import type { Page, RecordingFilter, RecordingRecord, RecordingStore } from '../types.ts';
import { RECORDING_TYPES, type RedisKeys } from './keys.ts';
import type { Outbox, PendingWrite } from './outbox.ts';
import type { RedisLink } from './redis-link.ts';

export class RedisRecordings implements RecordingStore {
  constructor(
    private readonly link: RedisLink,
    private readonly outbox: Outbox,
    private readonly keys: RedisKeys,
  ) {}

  async add(rec: RecordingRecord): Promise<void> {
    const record = structuredClone(rec);
    const json = JSON.stringify(record);
    const { score, id } = recordingKey(record);
    const w: PendingWrite = {
      kind: 'recording',
      id,
      record,
      apply: (m) => {
        m.set(this.keys.recording(id), json);
        m.zadd(this.keys.recordings(), score, id);
        m.zadd(this.keys.recordingsOfCall(record.call_uuid), score, id);
        for (const t of RECORDING_TYPES) {
          if (t === record.recording_type) m.zadd(this.keys.recordingsOfType(t), score, id);
          else m.zrem(this.keys.recordingsOfType(t), id);
        }
      },
    };
    await this.outbox.write(w);
  }

  async get(recordingId: string): Promise<RecordingRecord | undefined> {
    const queued = this.outbox.latest(recordingId, ['recording', 'recording-remove']);
    if (queued) return queued.kind === 'recording' ? structuredClone(queued.record) : undefined;
    return this.link.read(async (r) => {
      const v = await r.get(this.keys.recording(recordingId));
      return v === null ? undefined : (JSON.parse(v) as RecordingRecord);
    });
  }

  async list(filter: RecordingFilter, page: Page): Promise<{ objects: RecordingRecord[]; total: number }> {
    return this.link.read(async (r) => {
      if (filter.callUuid !== undefined) {
        const ids = await r.zrevrange(this.keys.recordingsOfCall(filter.callUuid), 0, -1);
        const recs = (await this.fetch(ids)).filter((x) => matchesRecording(x, filter));
        // Same order as ZREVRANGE gives; sorted again in case a record moved meanwhile.
        recs.sort((a, b) => compareDesc(recordingKey(a), recordingKey(b)));
        return { objects: pageOf(recs, page), total: recs.length };
      }
      const index =
        filter.recordingType !== undefined
          ? this.keys.recordingsOfType(filter.recordingType)
          : this.keys.recordings();
      const { offset, limit } = normalizePage(page);
      const total = await r.zcard(index);
      if (limit === 0 || offset >= total) return { objects: [], total };
      const ids = await r.zrevrange(index, offset, offset + limit - 1);
      return { objects: await this.fetch(ids), total };
    });
  }

  /** True when it was there. A recording still waiting in the outbox is removed after it. */
  async remove(recordingId: string): Promise<boolean> {
    const queued = this.outbox.latest(recordingId, ['recording', 'recording-remove']);
    if (queued) {
      if (queued.kind !== 'recording') return false;
      await this.outbox.write(this.removeOp(queued.record));
      return true;
    }
    const rec = await this.get(recordingId);
    if (!rec) return false;
    const replies = await this.outbox.write(this.removeOp(rec));
    return replies === undefined || Number(replies[0]) > 0;
  }

  private removeOp(rec: RecordingRecord): PendingWrite {
    const id = rec.recording_id;
    return {
      kind: 'recording-remove',
      id,
      apply: (m) => {
        m.del(this.keys.recording(id));
        m.zrem(this.keys.recordings(), id);
        m.zrem(this.keys.recordingsOfCall(rec.call_uuid), id);
        for (const t of RECORDING_TYPES) m.zrem(this.keys.recordingsOfType(t), id);
      },
    };
  }

  private async fetch(ids: string[]): Promise<RecordingRecord[]> {
    const recs = await this.link.getJson<RecordingRecord>(ids.map((id) => this.keys.recording(id)));
    return recs.filter((x): x is RecordingRecord => x !== undefined);
  }
}
