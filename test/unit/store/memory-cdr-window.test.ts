/**
 * The in-memory store keeps the newest PATCHBAY_MEMORY_CDRS CDRs: a node taking calls for
 * days must not grow until it runs out of memory (Redis keeps every CDR).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../../../src/config.ts';
import { createStore } from '../../../src/store/create-store.ts';
import { DEFAULT_MEMORY_CDR_LIMIT, MemoryStore } from '../../../src/store/memory-store.ts';
import { cdr } from './fixtures.ts';

const uuids = (n: number) => Array.from({ length: n }, (_, i) => `c${i + 1}`);

describe('memory store: the CDR window', () => {
  test('past the limit the oldest CDRs go, the newest stay; the first drop is reported once', async () => {
    const drops: number[] = [];
    const store = new MemoryStore({ cdrLimit: 3, onCdrDropped: (limit) => drops.push(limit) });
    for (const id of uuids(5)) {
      await store.cdrs.add(cdr(id, { end_time: `2026-01-10T10:00:0${id.slice(1)}Z` }));
    }
    assert.equal(await store.cdrs.get('c1'), undefined);
    assert.equal(await store.cdrs.get('c2'), undefined);
    assert.equal((await store.cdrs.get('c3'))?.uuid, 'c3');
    const page = await store.cdrs.query({}, { limit: 10, offset: 0 });
    assert.equal(page.total, 3);
    assert.deepEqual(page.data.map((c) => c.uuid).sort(), ['c3', 'c4', 'c5']);
    assert.deepEqual(drops, [3]);
  });

  test('an update of a kept CDR does not drop another', async () => {
    const store = new MemoryStore({ cdrLimit: 2, onCdrDropped: () => assert.fail('nothing to drop') });
    await store.cdrs.add(cdr('c1'));
    await store.cdrs.add(cdr('c2'));
    await store.cdrs.add(cdr('c1', { hangup_cause_name: 'Normal Hangup' }));
    assert.equal((await store.cdrs.get('c2'))?.uuid, 'c2');
    assert.equal((await store.cdrs.get('c1'))?.hangup_cause_name, 'Normal Hangup');
  });

  test('0 keeps every CDR; the default is 20 000', async () => {
    const store = new MemoryStore({ cdrLimit: 0 });
    for (const id of uuids(50)) await store.cdrs.add(cdr(id));
    assert.equal((await store.cdrs.query({}, { limit: 1, offset: 0 })).total, 50);
    assert.equal(DEFAULT_MEMORY_CDR_LIMIT, 20_000);
  });

  test('PATCHBAY_MEMORY_CDRS reaches the store; the first drop is logged', async () => {
    const env = { PATCHBAY_MEMORY_CDRS: '2' };
    const config = loadConfig({ env });
    assert.equal(config.memoryCdrs, 2);
    assert.equal(loadConfig({ env: {} }).memoryCdrs, DEFAULT_MEMORY_CDR_LIMIT);
    assert.throws(() => loadConfig({ env: { PATCHBAY_MEMORY_CDRS: 'many' } }), ConfigError);

    const records: Array<{ msg: string; limit?: number }> = [];
    const log = pino({ level: 'info' }, { write: (line: string) => records.push(JSON.parse(line)) });
    const store = await createStore({ nodeId: 'n1', log, memoryCdrLimit: config.memoryCdrs });
    for (const id of uuids(4)) await store.cdrs.add(cdr(id));
    assert.equal(await store.cdrs.get('c2'), undefined);
    const warnings = records.filter((r) =>
      r.msg.startsWith('store: the in-memory store keeps the newest CDRs'),
    );
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.limit, 2);
    await store.close();
  });
});
