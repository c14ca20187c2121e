import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ParseCache } from '../../../../src/callflow/parser/parse-cache.ts';

const DIAL = '<Response><Dial><User>sip:b@127.0.0.1:5090</User></Dial></Response>';
const SPEAK = '<Response><Speak>hello</Speak><Wait length="2"/></Response>';

describe('ParseCache: valid documents parsed once per text', () => {
  test('the same text gives the same frozen result; a change to it throws', () => {
    const cache = new ParseCache();
    const a = cache.parse(DIAL);
    const b = cache.parse(DIAL);
    assert.ok(a.ok && b.ok);
    assert.equal(a, b, 'second parse is the cached result');
    assert.deepEqual([cache.hits, cache.misses], [1, 1]);
    assert.equal(a.document.verbs[0].verb, 'Dial');
    assert.ok(Object.isFrozen(a.document.verbs[0]));
    assert.throws(() => {
      (a.document.verbs as unknown[]).push({});
    }, TypeError);
  });

  test('a cached result equals a fresh parse of the same text', () => {
    const cache = new ParseCache();
    cache.parse(SPEAK);
    const fresh = new ParseCache().parse(SPEAK);
    assert.deepEqual(cache.parse(SPEAK), fresh);
  });

  test('invalid documents are not cached and still report their errors', () => {
    const cache = new ParseCache();
    const bad = '<Response><Nope/></Response>';
    const r1 = cache.parse(bad);
    const r2 = cache.parse(bad);
    assert.equal(r1.ok, false);
    assert.equal(r2.ok, false);
    assert.notEqual(r1, r2);
    assert.equal(cache.size, 0);
  });

  test('the context is part of the key: a sound document is parsed for its own context', () => {
    const cache = new ParseCache();
    const call = cache.parse(SPEAK, 'call');
    const sound = cache.parse(SPEAK, 'sound');
    assert.notEqual(call, sound);
    assert.equal(cache.size, 2);
  });

  test('bounded: the least recently used entry goes first; long texts are never kept', () => {
    const cache = new ParseCache(2, 200);
    const doc = (n: number) => `<Response><Wait length="${n}"/></Response>`;
    cache.parse(doc(1));
    cache.parse(doc(2));
    cache.parse(doc(1)); // 1 is now the most recent
    cache.parse(doc(3)); // evicts 2
    assert.equal(cache.size, 2);
    const misses = cache.misses;
    cache.parse(doc(1));
    assert.equal(cache.misses, misses, '1 stayed');
    cache.parse(doc(2));
    assert.equal(cache.misses, misses + 1, '2 was evicted');

    const long = `<Response><Speak>${'x'.repeat(300)}</Speak></Response>`;
    assert.ok(cache.parse(long).ok);
    assert.notEqual(cache.parse(long), cache.parse(long));
  });
});
