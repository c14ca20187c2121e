import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RecordingFiles, RecordingTarget } from '../callflow/verb.ts';

/** Recording ids are UUIDs: the file name and the RecordUrl are built from nothing else. */
export const RECORDING_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Recordings as WAV files under `DATA_DIR/recordings/`, downloadable at
 * `PUBLIC_URL/api/v1/Account/{auth_id}/Recording/{id}.wav` (the Vobiz recording_url shape).
 */
export class LocalRecordingFiles implements RecordingFiles {
  readonly dir: string;

  constructor(
    dataDir: string,
    private readonly publicUrl: string,
    private readonly authId: string,
  ) {
    this.dir = resolve(dataDir, 'recordings');
    mkdirSync(this.dir, { recursive: true });
  }

  allocate(_callUuid: string, _format: 'wav' | 'mp3'): RecordingTarget {
    const id = randomUUID();
    return { id, file: this.path(id), url: this.url(id) };
  }

  path(id: string): string {
    if (!RECORDING_ID.test(id)) throw new Error(`not a recording id: ${id}`);
    return join(this.dir, `${id}.wav`);
  }

  url(id: string): string {
    const base = this.publicUrl.replace(/\/+$/, '');
    return `${base}/api/v1/Account/${encodeURIComponent(this.authId)}/Recording/${id}.wav`;
  }
}
