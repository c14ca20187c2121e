import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Dialog } from '../../../../src/sip/dialog/dialog.ts';
import { UserAgent } from '../../../../src/sip/ua/user-agent.ts';
import { SDP_A, SDP_B } from './ua-pair.ts';

const loopbackOnly = (address: string) => address === '127.0.0.1' || address === '::1';

async function agent(): Promise<UserAgent> {
  return UserAgent.start({
    listen: ['udp:127.0.0.1:0', 'tcp:127.0.0.1:0'],
    publicHost: '127.0.0.1',
    egress: loopbackOnly,
    timers: { T1: 50, T2: 400, T4: 500 },
  });
}

/** Polls until `cond` holds (real sockets, real time). */
async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('UserAgent over loopback sockets', () => {
  for (const protocol of ['udp', 'tcp'] as const) {
    test(`a call over ${protocol.toUpperCase()}: Contact, INVITE, BYE`, async () => {
      const alice = await agent();
      const bob = await agent();
      try {
        const bobEp = bob.listening.find((e) => e.protocol === protocol)!;
        const aliceEp = alice.listening.find((e) => e.protocol === protocol)!;
        let bobDialog: Dialog | undefined;
        let contact = '';
        bob.onInvite(async (req, uas) => {
          contact = req.contact[0].uri.toString();
          bobDialog = await uas.accept({ body: SDP_B });
        });
        const param = protocol === 'tcp' ? ';transport=tcp' : '';
        const d = await alice.createUAC({
          uri: `sip:bob@127.0.0.1:${bobEp.port}${param}`,
          from: 'sip:alice@example.com',
          body: SDP_A,
        }).established;
        assert.equal(contact, `sip:alice@127.0.0.1:${aliceEp.port}${param}`);
        assert.equal(d.remoteSdp, SDP_B);
        assert.equal(d.remoteTarget.toString(), `sip:bob@127.0.0.1:${bobEp.port}${param}`);
        await until(() => bobDialog !== undefined);
        assert.equal(alice.dialogCount, 1);
        if (protocol === 'tcp') assert.ok(alice.socketCount >= 3, 'two listeners and a connection');
        const ended = new Promise<string>((r) => bobDialog?.on('destroy', (e) => r(e.cause)));
        await d.destroy();
        assert.equal(await ended, 'bye');
        assert.equal(alice.dialogCount, 0);
        assert.equal(bob.dialogCount, 0);
        assert.equal(alice.stats.parseErrors, 0);
      } finally {
        await alice.close();
        await bob.close();
      }
      assert.equal(alice.transactionCount, 0);
    });
  }

  test('start() refuses a bad listen spec and nothing to listen on', async () => {
    await assert.rejects(UserAgent.start({ listen: ['sctp:127.0.0.1:5060'] }), { code: 'TRANSPORT' });
    await assert.rejects(UserAgent.start({}), { code: 'TRANSPORT' });
  });
});
