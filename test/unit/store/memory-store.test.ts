import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createStore } from '../../../src/store/create-store.ts';
import { MemoryStore } from '../../../src/store/memory-store.ts';
import { silentLogger } from '../../../src/util/log.ts';
import { storeContract } from './contract.ts';

storeContract('memory', { open: async () => new MemoryStore() });

test('createStore without a Redis URL gives the memory store', async () => {
  const store = await createStore({ nodeId: 'n1', log: silentLogger });
  assert.equal(store.kind, 'memory');
  assert.ok(store instanceof MemoryStore);
  await store.close();
});
