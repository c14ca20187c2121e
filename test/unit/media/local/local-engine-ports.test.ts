import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertRangeFree, testEngine } from '../../../helpers/media-lab.ts';

test('every free pair of the range rests bound after its leg ends; with none left the oldest resting pair goes out again', async () => {
  // 8 ports: 4 RTP/RTCP pairs.
  const engine = testEngine(8);
  try {
    const legs = [];
    for (let i = 0; i < 4; i++) legs.push(await engine.createEndpoint({ idleSilence: false }));
    assert.equal(engine.stats().portsInUse, 4);
    const ports = legs.map((l) => l.port);
    for (const l of legs) await l.close();

    // All four rest (a cap of half the range kept two and closed the others).
    assert.deepEqual(
      { inUse: engine.stats().portsInUse, idle: engine.stats().portsIdle },
      { inUse: 0, idle: 4 },
    );

    // Nothing has rested its 2 s yet and nothing is free: the one released first comes back.
    const again = await engine.createEndpoint({ idleSilence: false });
    assert.equal(again.port, ports[0]);
    assert.deepEqual(
      { inUse: engine.stats().portsInUse, idle: engine.stats().portsIdle },
      { inUse: 1, idle: 3 },
    );
    await again.close();
  } finally {
    await engine.close();
  }
  await assertRangeFree(engine.ports);
});
