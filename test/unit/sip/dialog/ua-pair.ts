import assert from 'node:assert/strict';
import { UserAgent } from '../../../../src/sip/ua/user-agent.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';
import { MemoryNetwork } from '../../../helpers/memory-transport.ts';

export const SDP_A =
  'v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 20000 RTP/AVP 0\r\n';
export const SDP_B =
  'v=0\r\no=bob 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0\r\n';

/** Two user agents on one in-memory network with a stepped clock. */
export interface UaPair {
  clock: FakeClock;
  net: MemoryNetwork;
  alice: UserAgent;
  bob: UserAgent;
  /** Where to call Bob. */
  bobUri: string;
  aliceUri: string;
  /** Values the agents' random() returns in turn (then 0.5). */
  randoms: number[];
}

export async function uaPair(): Promise<UaPair> {
  const clock = new FakeClock();
  const net = new MemoryNetwork();
  const randoms: number[] = [];
  const random = () => randoms.shift() ?? 0.5;
  const alice = await UserAgent.start({
    transports: [net.transport({ address: '127.0.0.1', port: 5070 })],
    clock,
    random,
  });
  const bob = await UserAgent.start({
    transports: [net.transport({ address: '127.0.0.1', port: 5080 })],
    clock,
    random,
  });
  return {
    clock,
    net,
    alice,
    bob,
    randoms,
    bobUri: 'sip:bob@127.0.0.1:5080',
    aliceUri: 'sip:alice@127.0.0.1:5070',
  };
}

/** Lets messages flow, then moves time in steps of `step` ms, `total` ms in all. */
export async function advance(p: UaPair, total: number, step = 250): Promise<void> {
  await p.net.settle();
  for (let t = 0; t < total; t += step) {
    p.clock.advance(Math.min(step, total - t));
    await p.net.settle();
  }
}

/** Runs every timer out, then checks that nothing is left: transactions, dialogs, timers. */
export async function assertClean(p: UaPair): Promise<void> {
  await p.net.settle();
  for (let i = 0; i < 40 && p.clock.armed > 0; i++) {
    p.clock.advance(2000);
    await p.net.settle();
  }
  assert.equal(p.alice.transactionCount, 0, 'alice transactions');
  assert.equal(p.bob.transactionCount, 0, 'bob transactions');
  assert.equal(p.alice.dialogCount, 0, 'alice dialogs');
  assert.equal(p.bob.dialogCount, 0, 'bob dialogs');
  assert.equal(p.clock.armed, 0, 'armed timers');
  await p.alice.close();
  await p.bob.close();
}
