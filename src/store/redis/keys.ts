/** Key names of the Redis backend (the layout is described in `../redis-store.ts`). */
import type { LiveCallStatus, RecordingRecord } from '../types.ts';

export const LIVE_STATUSES: readonly LiveCallStatus[] = ['queued', 'ringing', 'in-progress'];
export const RECORDING_TYPES: readonly RecordingRecord['recording_type'][] = ['call', 'conference', 'trunk'];

export class RedisKeys {
  constructor(readonly prefix = 'pb:') {}

  call(uuid: string): string {
    return `${this.prefix}call:${uuid}`;
  }
  calls(): string {
    return `${this.prefix}calls`;
  }
  callsByStatus(status: LiveCallStatus): string {
    return `${this.prefix}calls:${status}`;
  }

  cdr(uuid: string): string {
    return `${this.prefix}cdr:${uuid}`;
  }
  cdrs(): string {
    return `${this.prefix}cdrs`;
  }

  recording(id: string): string {
    return `${this.prefix}rec:${id}`;
  }
  recordings(): string {
    return `${this.prefix}recs`;
  }
  recordingsOfCall(callUuid: string): string {
    return `${this.prefix}recs:call:${callUuid}`;
  }
  recordingsOfType(type: RecordingRecord['recording_type']): string {
    return `${this.prefix}recs:type:${type}`;
  }

  node(id: string): string {
    return `${this.prefix}node:${id}`;
  }
  nodes(): string {
    return `${this.prefix}nodes`;
  }

  /** `app:{id}`; the scripts build `app:{id}:numbers` from the prefix the same way. */
  app(id: string): string {
    return `${this.prefix}app:${id}`;
  }
  appNumbers(id: string): string {
    return `${this.prefix}app:${id}:numbers`;
  }
  apps(): string {
    return `${this.prefix}apps`;
  }
  defaultApps(): string {
    return `${this.prefix}apps:default`;
  }
  numberRoutes(): string {
    return `${this.prefix}numbers`;
  }
}
