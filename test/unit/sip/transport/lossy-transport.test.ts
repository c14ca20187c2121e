import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HostPort, Source, Transport } from '../../../../src/sip/transport/types.ts';
import { LossyTransport } from '../../../helpers/lossy-transport.ts';

/** An in-memory transport: records sends, lets the test inject received messages. */
class RecordingTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  readonly local: HostPort = { address: '127.0.0.1', port: 5060 };
  readonly sent: number[] = [];
  private handler: (data: Buffer, source: Source) => void = () => {};

  async send(data: Buffer): Promise<void> {
    this.sent.push(data.readUInt32BE(0));
  }

  onMessage(handler: (data: Buffer, source: Source) => void): void {
    this.handler = handler;
  }

  inject(n: number): void {
    const data = Buffer.alloc(4);
    data.writeUInt32BE(n);
    this.handler(data, { protocol: 'udp', address: '127.0.0.1', port: 5070, local: this.local });
  }

  async close(): Promise<void> {}
}

const to = { address: '127.0.0.1', port: 5070 };

async function run(seed: number, loss = 0.1): Promise<{ sent: number[]; received: number[] }> {
  const inner = new RecordingTransport();
  const lossy = new LossyTransport(inner, { loss, seed });
  const received: number[] = [];
  lossy.onMessage((data) => received.push(data.readUInt32BE(0)));
  for (let i = 0; i < 10_000; i++) {
    const data = Buffer.alloc(4);
    data.writeUInt32BE(i);
    await lossy.send(data, to);
    inner.inject(i);
  }
  assert.equal(lossy.stats.sent + lossy.stats.sendDropped, 10_000);
  assert.equal(lossy.stats.received + lossy.stats.receiveDropped, 10_000);
  return { sent: inner.sent, received };
}

describe('LossyTransport', () => {
  test('drops about the given fraction in each direction', async () => {
    const { sent, received } = await run(42);
    const sendLoss = 1 - sent.length / 10_000;
    const receiveLoss = 1 - received.length / 10_000;
    // 3 standard deviations of a binomial(10000, 0.1) is 0.009.
    assert.ok(Math.abs(sendLoss - 0.1) < 0.01, `send loss ${sendLoss}`);
    assert.ok(Math.abs(receiveLoss - 0.1) < 0.01, `receive loss ${receiveLoss}`);
    assert.notDeepEqual(sent, received, 'the two directions drop independently');
  });

  test('is deterministic per seed', async () => {
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.sent, c.sent);
  });

  test('loss 0 passes everything, loss 1 nothing; the wrapper forwards the inner identity', async () => {
    const all = await run(1, 0);
    assert.equal(all.sent.length, 10_000);
    const none = await run(1, 1);
    assert.equal(none.sent.length + none.received.length, 0);
    const lossy = new LossyTransport(new RecordingTransport(), { loss: 0.1, seed: 1 });
    assert.equal(lossy.protocol, 'udp');
    assert.equal(lossy.reliable, false);
    assert.deepEqual(lossy.local, { address: '127.0.0.1', port: 5060 });
  });
});
