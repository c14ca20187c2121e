import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProcessSet } from '../../../../bench/cps/process-set.ts';
import { LineChannel } from '../../../../bench/dial/line-channel.ts';

/**
 * A child that answers `ping` with noise, a `pong` event of another type first, then the
 * `pong`; `quit` makes it exit without answering.
 */
const CHILD = `
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', (l) => {
  if (l === 'ping') {
    process.stdout.write('not json\\n[1,2]\\n{"type":"other"}\\n{"type":"pong","n":1}\\n');
  } else if (l === 'quit') process.exit(0);
});`;

describe('LineChannel', () => {
  test('ask resolves with the event of the asked type, skipping noise and other events', async () => {
    const procs = new ProcessSet();
    const proc = procs.start('child', process.execPath, ['-e', CHILD], { stdin: 'pipe', stdout: 'pipe' });
    try {
      const channel = new LineChannel(proc);
      assert.deepEqual(await channel.ask('ping', 'pong'), { type: 'pong', n: 1 });
      // Nothing answers `silence`: null after the timeout.
      const started = performance.now();
      assert.equal(await channel.ask('silence', 'pong', 200), null);
      assert.ok(performance.now() - started >= 190);
      // A waiter gets null as soon as the process exits.
      const pending = channel.next('pong', 10_000);
      channel.send('quit');
      assert.equal(await pending, null);
      assert.equal(channel.send('ping'), false);
      assert.equal(await channel.ask('ping', 'pong'), null);
    } finally {
      await procs.stopAll();
    }
  });
});
