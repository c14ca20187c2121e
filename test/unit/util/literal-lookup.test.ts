import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, test } from 'node:test';
import { literalLookup } from '../../../src/util/literal-lookup.ts';

describe('literalLookup', () => {
  test('answers IP literals in the same turn, with their family', () => {
    const seen: Array<[string, number]> = [];
    literalLookup('127.0.0.1', 4, (err, address, family) => {
      assert.equal(err, null);
      seen.push([address, family]);
    });
    literalLookup('::1', { family: 6 }, (_err, address, family) => seen.push([address, family]));
    assert.deepEqual(seen, [
      ['127.0.0.1', 4],
      ['::1', 6],
    ]);
  });

  test('leaves names to dns.lookup (later, not in the same turn)', async () => {
    let sync = true;
    const answer = await new Promise<{ address: string; family: number; sync: boolean }>(
      (resolve, reject) => {
        literalLookup('localhost', 4, (err, address, family) =>
          err ? reject(err) : resolve({ address, family, sync }),
        );
        sync = false;
      },
    );
    assert.equal(answer.sync, false);
    assert.equal(answer.family, 4);
    assert.match(answer.address, /^127\./);
  });

  test('a dgram socket using it delivers to a literal destination', async () => {
    const rx = createSocket('udp4');
    const tx = createSocket({ type: 'udp4', lookup: literalLookup });
    try {
      await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
      const got = new Promise<string>((r) => rx.once('message', (m) => r(m.toString())));
      tx.send('hello', rx.address().port, '127.0.0.1');
      assert.equal(await got, 'hello');
    } finally {
      rx.close();
      tx.close();
    }
  });
});
