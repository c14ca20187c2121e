import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore } from '../../../src/store/memory-store.ts';
import type { CdrRecord } from '../../../src/store/types.ts';
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
