/**
 * CDRs in Redis: the JSON under `cdr:{uuid}` and the sorted set `cdrs` (score: end_time in
 * epoch ms). A query walks the sorted set newest first, only over the end_time window the
 * filter allows, fetching records in slices and matching them in the process (`CdrQuery`):
 * its cost grows with the number of CDRs in that window, since the summary covers the whole
 * filtered set. Writes go through the outbox, so a CDR written while Redis is away is kept
 * and written when it returns.
 */
import { CdrQuery, type CdrQueryResult, cdrKey, cdrScoreWindow } from '../cdr-query.ts';
import type { CdrFilter, CdrRecord, CdrStore, Page } from '../types.ts';
import type { RedisKeys } from './keys.ts';
import type { Outbox, PendingWrite } from './outbox.ts';
import type { RedisLink } from './redis-link.ts';

const SCAN_BATCH = 500;

export class RedisCdrs implements CdrStore {
  constructor(
    private readonly link: RedisLink,
    private readonly outbox: Outbox,
    private readonly keys: RedisKeys,
  ) {}

  async add(cdr: CdrRecord): Promise<void> {
    const record = structuredClone(cdr);
    const json = JSON.stringify(record);
    const { score, id } = cdrKey(record);
    const w: PendingWrite = {
      kind: 'cdr',
      id,
      record,
      apply: (m) => {
        m.set(this.keys.cdr(id), json);
        m.zadd(this.keys.cdrs(), score, id);
      },
    };
    await this.outbox.write(w);
  }

  async get(uuid: string): Promise<CdrRecord | undefined> {
    const queued = this.outbox.latest(uuid, ['cdr']);
    if (queued?.kind === 'cdr') return structuredClone(queued.record);
    return this.link.read(async (r) => {
      const v = await r.get(this.keys.cdr(uuid));
      return v === null ? undefined : (JSON.parse(v) as CdrRecord);
    });
  }

  async query(filter: CdrFilter, page: Page): Promise<CdrQueryResult> {
    const { min, max } = cdrScoreWindow(filter);
    const q = new CdrQuery(filter, page);
    if (min > max) return q.result();
    const lo = Number.isFinite(min) ? String(min) : '-inf';
    const hi = Number.isFinite(max) ? String(max) : '+inf';
    return this.link.read(async (r) => {
      for (let offset = 0; ; offset += SCAN_BATCH) {
        const uuids = await r.zrevrangebyscore(this.keys.cdrs(), hi, lo, 'LIMIT', offset, SCAN_BATCH);
        const recs = await this.link.getJson<CdrRecord>(uuids.map((u) => this.keys.cdr(u)));
        for (const rec of recs) if (rec) q.push(rec);
        if (uuids.length < SCAN_BATCH) break;
      }
      return q.result();
    });
  }
}
