import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DialogEnd } from '../../../../src/sip/dialog/dialog.ts';
import { SipError } from '../../../../src/sip/errors.ts';
import type { SipResponse } from '../../../../src/sip/message/message.ts';
import { advance, assertClean, SDP_A, SDP_B, uaPair } from './ua-pair.ts';

describe('INVITE sessions between two user agents', () => {
  test('INVITE / 180 / 200 / ACK / BYE from the caller', async () => {
    const p = await uaPair();
    const provisionals: number[] = [];
    const bobEnds: DialogEnd[] = [];
    p.bob.onInvite(async (req, uas) => {
      assert.equal(req.body.toString(), SDP_A);
      const early = uas.progress(180);
      assert.equal(early.state, 'early');
      assert.equal(p.bob.dialogCount, 1);
      const d = await uas.accept({ body: SDP_B });
      assert.equal(d, early);
      assert.equal(d.state, 'confirmed');
      assert.equal(d.remoteSdp, SDP_A);
      d.on('destroy', (e) => bobEnds.push(e));
    });
    const uac = p.alice.createUAC(
      { uri: p.bobUri, from: '"Alice" <sip:alice@example.com>', body: SDP_A },
      { onProvisional: (res) => provisionals.push(res.status) },
    );
    const dialog = await uac.established;
    assert.deepEqual(provisionals, [180], 'the 180 came at once: no 100 Trying (17.2.1)');
    assert.equal(dialog.state, 'confirmed');
    assert.equal(dialog.role, 'uac');
    assert.equal(dialog.remoteSdp, SDP_B);
    assert.equal(dialog.localSdp, SDP_A);
    assert.equal(dialog.remoteTarget.toString(), 'sip:bob@127.0.0.1:5080');
    await p.net.settle();
    const [ack] = p.net.messages('ACK ');
    assert.ok(ack, 'ACK sent');
    const invite = p.net.messages('INVITE ')[0].text;
    const inviteSeq = /CSeq: (\d+) INVITE/.exec(invite)?.[1];
    assert.match(ack.text, new RegExp(`CSeq: ${inviteSeq} ACK`)); // 13.2.2.4
    assert.notEqual(branchOf(ack.text), branchOf(invite)); // a new transaction id
    assert.equal(p.alice.dialogCount, 1);
    assert.equal(p.bob.dialogCount, 1);

    const ends: DialogEnd[] = [];
    dialog.on('destroy', (e) => ends.push(e));
    await dialog.destroy();
    await dialog.destroy(); // idempotent
    await p.net.settle();
    assert.deepEqual(
      ends.map((e) => e.cause),
      ['local'],
    );
    assert.deepEqual(
      bobEnds.map((e) => e.cause),
      ['bye'],
    );
    assert.equal(p.net.messages('BYE ').length, 1);
    const bye = p.net.messages('BYE ')[0].text;
    assert.match(bye, new RegExp(`CSeq: ${Number(inviteSeq) + 1} BYE`)); // 12.2.1.1
    assert.equal(dialog.state, 'terminated');
    await assertClean(p);
  });

  test('BYE from the callee ends both sides', async () => {
    const p = await uaPair();
    let bobDialog: import('../../../../src/sip/dialog/dialog.ts').Dialog | undefined;
    p.bob.onInvite(async (_req, uas) => {
      bobDialog = await uas.accept({ body: SDP_B });
    });
    const dialog = await p.alice.createUAC({ uri: p.bobUri, body: SDP_A }).established;
    const byes: string[] = [];
    const ends: DialogEnd[] = [];
    dialog.on('bye', (req) => byes.push(req.method));
    dialog.on('destroy', (e) => ends.push(e));
    await p.net.settle();
    assert.ok(bobDialog);
    await bobDialog.destroy();
    await p.net.settle();
    assert.deepEqual(byes, ['BYE']);
    assert.equal(ends[0].cause, 'bye');
    assert.equal(dialog.state, 'terminated');
    // The callee's BYE starts the callee's own CSeq space.
    const bye = p.net.messages('BYE ')[0].text;
    assert.match(bye, /^BYE sip:patchbay@127\.0\.0\.1:5070 SIP\/2\.0/);
    await assertClean(p);
  });

  test('486 from the callee rejects with the status', async () => {
    const p = await uaPair();
    p.bob.onInvite((_req, uas) => uas.reject(486));
    const uac = p.alice.createUAC({ uri: p.bobUri, body: SDP_A });
    const err = await uac.established.then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof SipError);
    assert.equal(err.code, 'REJECTED');
    assert.equal(err.status, 486);
    await assertClean(p);
  });

  test('no INVITE handler: 480', async () => {
    const p = await uaPair();
    const err = await p.alice.createUAC({ uri: p.bobUri }).established.catch((e: unknown) => e as SipError);
    assert.equal((err as SipError).status, 480);
    await assertClean(p);
  });

  test('an early dialog ended by a rejection is gone from both sides', async () => {
    const p = await uaPair();
    const early: string[] = [];
    p.bob.onInvite((_req, uas) => {
      uas.progress(183, { body: SDP_B });
      setImmediate(() => uas.reject(603));
    });
    const uac = p.alice.createUAC(
      { uri: p.bobUri, body: SDP_A },
      {
        onProvisional: (_res: SipResponse, d) => {
          if (d) {
            early.push(d.state);
            d.on('destroy', (e) => early.push(e.cause));
          }
        },
      },
    );
    const err = (await uac.established.catch((e: unknown) => e)) as SipError;
    assert.equal(err.status, 603);
    assert.deepEqual(early, ['early', 'rejected']);
    await assertClean(p);
  });

  test('CANCEL after 180: the callee hears it, the caller gets CANCELLED 487', async () => {
    const p = await uaPair();
    const cancelled: string[] = [];
    let acceptErr: unknown;
    p.bob.onInvite((_req, uas) => {
      uas.progress(180);
      uas.on('cancel', (req) => {
        cancelled.push(req.method);
        uas.accept({ body: SDP_B }).catch((e: unknown) => {
          acceptErr = e;
        });
      });
    });
    const uac = p.alice.createUAC(
      { uri: p.bobUri, body: SDP_A },
      {
        onProvisional: (res) => {
          if (res.status === 180) uac.cancel();
        },
      },
    );
    const err = (await uac.established.catch((e: unknown) => e)) as SipError;
    assert.equal(err.code, 'CANCELLED');
    assert.equal(err.status, 487);
    await p.net.settle();
    assert.deepEqual(cancelled, ['CANCEL']);
    assert.equal((acceptErr as SipError).status, 487); // the pending UAS side rejects too
    assert.equal(p.net.messages('CANCEL ').length, 1);
    assert.equal(p.net.messages('SIP/2.0 487').length, 1);
    const cancel = p.net.messages('CANCEL ')[0].text;
    const invite = p.net.messages('INVITE ')[0].text;
    assert.equal(branchOf(cancel), branchOf(invite)); // 9.1: the INVITE's Via
    await assertClean(p);
  });

  test('cancel() before any provisional waits for one (9.1)', async () => {
    const p = await uaPair();
    p.net.drop = (text) => text.startsWith('SIP/2.0 100');
    let ring: (() => void) | undefined;
    p.bob.onInvite((_req, uas) => {
      ring = () => uas.progress(180);
    });
    const uac = p.alice.createUAC({ uri: p.bobUri, body: SDP_A });
    await p.net.settle();
    uac.cancel();
    await p.net.settle();
    assert.equal(p.net.messages('CANCEL ').length, 0, 'no CANCEL before a provisional');
    ring?.();
    const err = (await uac.established.catch((e: unknown) => e)) as SipError;
    assert.equal(err.status, 487);
    assert.equal(p.net.messages('CANCEL ').length, 1);
    await assertClean(p);
  });

  test('cancel() before the INVITE left: nothing is sent', async () => {
    const p = await uaPair();
    const uac = p.alice.createUAC({ uri: p.bobUri });
    uac.cancel();
    const err = (await uac.established.catch((e: unknown) => e)) as SipError;
    assert.equal(err.code, 'CANCELLED');
    assert.equal(p.net.wire.length, 0);
    await assertClean(p);
  });

  test('a 2xx that wins the race with CANCEL is ACKed and BYEd', async () => {
    const p = await uaPair();
    p.net.drop = (text) => text.startsWith('SIP/2.0 100');
    let answer: (() => void) | undefined;
    const bobEnds: string[] = [];
    p.bob.onInvite((_req, uas) => {
      answer = () => {
        uas.accept({ body: SDP_B }).then((d) => d.on('destroy', (e) => bobEnds.push(e.cause)));
      };
    });
    const uac = p.alice.createUAC({ uri: p.bobUri, body: SDP_A });
    await p.net.settle();
    uac.cancel(); // no provisional yet: the CANCEL waits
    answer?.();
    const err = (await uac.established.catch((e: unknown) => e)) as SipError;
    assert.equal(err.code, 'CANCELLED');
    await p.net.settle();
    assert.equal(p.net.messages('ACK ').length, 1);
    assert.equal(p.net.messages('BYE ').length, 1);
    assert.equal(p.net.messages('CANCEL ').length, 0);
    assert.deepEqual(bobEnds, ['bye']);
    await assertClean(p);
  });

  test('timer B: no answer at all rejects with TIMEOUT 408', async () => {
    const p = await uaPair();
    p.net.drop = (text) => text.startsWith('INVITE ');
    const uac = p.alice.createUAC({ uri: p.bobUri });
    let err: SipError | undefined;
    uac.established.catch((e: SipError) => {
      err = e;
    });
    await advance(p, 32_500, 1000);
    assert.equal(err?.code, 'TIMEOUT');
    assert.equal(err?.status, 408);
    await assertClean(p);
  });

  test('401 is answered once with digest credentials', async () => {
    const p = await uaPair();
    let challenged = 0;
    let authorization = '';
    p.bob.onInvite(async (req, uas) => {
      const auth = req.get('Authorization');
      if (!auth) {
        challenged++;
        uas.reject(401, {
          headers: {
            'WWW-Authenticate': 'Digest realm="patchbay", nonce="abc123", qop="auth", algorithm=MD5',
          },
        });
        return;
      }
      authorization = auth;
      await uas.accept({ body: SDP_B });
    });
    const uac = p.alice.createUAC({
      uri: p.bobUri,
      body: SDP_A,
      auth: { username: 'alice', password: 's3cret' },
    });
    const d = await uac.established;
    assert.equal(challenged, 1);
    assert.match(authorization, /^Digest username="alice", realm="patchbay", nonce="abc123"/);
    const invites = p.net.messages('INVITE ').map((w) => Number(/CSeq: (\d+)/.exec(w.text)?.[1]));
    assert.equal(invites.length, 2);
    assert.equal(invites[1], invites[0] + 1); // 22.2: the next CSeq
    const acks = p.net.messages('ACK ').map((w) => w.text);
    assert.equal(acks.length, 2);
    assert.doesNotMatch(acks[0], /Authorization/); // the 401's ACK, hop by hop (17.1.1.3)
    assert.match(acks[1], new RegExp(`CSeq: ${invites[1]} ACK`));
    assert.match(acks[1], /Authorization: Digest/); // 13.2.2.4: the 2xx ACK carries the credentials
    await d.destroy();
    await assertClean(p);
  });

  test('a second 401 is a rejection', async () => {
    const p = await uaPair();
    p.bob.onInvite((_req, uas) =>
      uas.reject(401, { headers: { 'WWW-Authenticate': 'Digest realm="x", nonce="n", algorithm=MD5' } }),
    );
    const uac = p.alice.createUAC({ uri: p.bobUri, auth: { username: 'a', password: 'b' } });
    const err = (await uac.established.catch((e: unknown) => e)) as SipError;
    assert.equal(err.status, 401);
    assert.equal(p.net.messages('INVITE ').length, 2);
    await assertClean(p);
  });
});

function branchOf(text: string): string | undefined {
  return /branch=([^;\r\n]+)/.exec(text)?.[1];
}
