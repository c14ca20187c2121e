import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore } from '../../../src/store/memory-store.ts';
import type { CdrRecord } from '../../../src/store/types.ts';
import { collectGarbage } from '../../helpers/collect-garbage.ts';
import { cdr } from './fixtures.ts';

test('the memory store copies records deeply, nested values and undefined keys included', async () => {
  const store = new MemoryStore();
  const nested = {
    ...cdr('c1'),
    extra: { list: [1, { deep: 'x' }], when: new Date('2026-01-10T10:00:00Z'), none: undefined },
  } as unknown as CdrRecord;
  await store.cdrs.add(nested);
  const got = (await store.cdrs.get('c1')) as unknown as typeof nested & {
    extra: { list: [number, { deep: string }]; when: Date; none: undefined };
  };
  assert.deepEqual(got, structuredClone(nested));
  assert.ok('none' in got.extra, 'a key whose value is undefined is kept, as structuredClone keeps it');
  assert.ok(got.extra.when instanceof Date);

  // Neither what was put nor what was got is shared with the store.
  (nested as unknown as typeof got).extra.list[1].deep = 'changed after add';
  got.extra.list[1].deep = 'changed after get';
  got.extra.when.setUTCFullYear(2000);
  const again = (await store.cdrs.get('c1')) as unknown as typeof got;
  assert.equal(again.extra.list[1].deep, 'x');
  assert.equal(again.extra.when.getUTCFullYear(), 2026);
  await store.close();
});

test('a stored CDR keeps the compact shape of the record it copies (no hash table per CDR)', async () => {
  const store = new MemoryStore();
  const n = 4000;
  // The records and their uuids exist before the measure: only the store's copies count.
  const records = Array.from({ length: n }, (_, i) => cdr(`size-${i}`));
  await collectGarbage();
  const before = process.memoryUsage().heapUsed;
  for (const r of records) await store.cdrs.add(r);
  await collectGarbage();
  const perCdr = (process.memoryUsage().heapUsed - before) / n;
  // 30 fields in the object itself are about 300 bytes with the store's map entry; a copy
  // in dictionary mode (fields added one by one by computed key) was about 1.7 KB.
  assert.ok(perCdr < 800, `${Math.round(perCdr)} bytes per stored CDR`);
  assert.deepEqual(await store.cdrs.get('size-7'), records[7]);
  await store.close();
});
