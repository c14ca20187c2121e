import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertRangeFree, testEngine } from '../../../helpers/media-lab.ts';

test('closing an endpoint ends its own bridges and no other', async () => {
  const engine = testEngine(16);
  const [a, b, c, d] = await Promise.all(
    [1, 2, 3, 4].map(() => engine.createEndpoint({ idleSilence: false })),
  );
  const ab = engine.bridge(a, b);
  const cd = engine.bridge(c, d);
  const bc = engine.bridge(b, c);
  assert.equal(engine.stats().bridges, 3);

  await a.close();
  assert.equal(engine.stats().bridges, 2, 'a-b ended with a');
  await d.close();
  assert.equal(engine.stats().bridges, 1, 'c-d ended with d');
  bc.destroy();
  assert.equal(engine.stats().bridges, 0);
  ab.destroy(); // already ended: nothing happens
  cd.destroy();
  assert.equal(engine.stats().bridges, 0);

  const e = await engine.createEndpoint({ idleSilence: false });
  engine.bridge(b, e);
  await b.close();
  assert.equal(engine.stats().bridges, 0, 'a bridge made after others ended goes with its endpoint too');
  await engine.close();
  await assertRangeFree(engine.ports);
});
