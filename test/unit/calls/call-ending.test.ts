import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { Call } from '../../../src/calls/call.ts';
import type { CallLeg, LegEnd } from '../../../src/calls/call-leg.ts';
import { HANGUP_CAUSES } from '../../../src/calls/hangup-cause.ts';
import { silentLogger } from '../../../src/util/log.ts';
import { FakeEndpoint } from '../../helpers/fake-verb-context.ts';

class FakeLeg extends EventEmitter<{ end: [end: LegEnd] }> implements CallLeg {
  readonly endpoint = new FakeEndpoint();
  readonly sipDialog = undefined;
  ended: LegEnd | undefined;
  async answer(): Promise<void> {}
  preAnswer(): void {}
  async hangup(): Promise<void> {
    if (this.ended) return;
    this.ended = { by: 'local', detail: 'hung up' };
    this.emit('end', this.ended);
  }
}

function newCall(): Call {
  return new Call(
    { from: '14155550100', to: '14155550199', user: '14155550199', callerName: 'Ann', customHeaders: {} },
    new FakeLeg(),
    silentLogger,
  );
}

const BUSY = { cause: HANGUP_CAUSES.busy, source: 'Callee', detail: 'busy' } as const;

test("ending hooks run once when the call starts to end, with the reason, before the signal's listeners", async () => {
  const call = newCall();
  const seen: string[] = [];
  call.signal.addEventListener('abort', () => seen.push(`signal aborted=${call.signal.aborted}`));
  call.onEnding((reason) => seen.push(`hook 1: ${reason.message}`));
  const remove = call.onEnding(() => seen.push('hook 2'));
  call.onEnding(() => {
    throw new Error('a broken hook');
  });
  call.onEnding((reason) => seen.push(`hook 4: ${(reason as Error & { code: string }).code}`));
  remove();

  const ended = call.hangup(BUSY);
  // Synchronously, as hangup() starts: hooks in order (a throwing one is logged), then the signal.
  assert.deepEqual(seen, ['hook 1: call ended: Busy Line', 'hook 4: CALL_ENDED', 'signal aborted=true']);
  assert.equal(call.signal.reason.message, 'call ended: Busy Line');
  await ended;
  await call.hangup(BUSY);
  assert.equal(seen.length, 3, 'nothing runs twice');
});

test('a hook added to an ending call runs at once; a signal first asked for then is already aborted', async () => {
  const call = newCall();
  await call.hangup(BUSY);
  let reason: Error | undefined;
  const remove = call.onEnding((r) => {
    reason = r;
  });
  assert.equal(reason?.message, 'call ended: Busy Line');
  remove(); // nothing left to remove
  assert.equal(call.signal.aborted, true);
  assert.equal(call.signal.reason, reason, 'the same reason object for both');
});

test('the signal is made on first use only, and the same one after', () => {
  const call = newCall();
  const first = call.signal;
  assert.equal(call.signal, first);
  assert.equal(first.aborted, false);
});
