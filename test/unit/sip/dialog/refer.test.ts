import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Dialog } from '../../../../src/sip/dialog/dialog.ts';
import { sendRefer } from '../../../../src/sip/dialog/refer-client.ts';
import { ReferNotifier, SIPFRAG } from '../../../../src/sip/dialog/refer-notifier.ts';
import { formatReplaces, parseReferTo, parseReplaces } from '../../../../src/sip/dialog/refer-to.ts';
import { SipRequest } from '../../../../src/sip/message/message.ts';
import { parseUri } from '../../../../src/sip/message/parser.ts';
import { advance, assertClean, SDP_A, SDP_B, type UaPair, uaPair } from './ua-pair.ts';

function referWith(...referTo: string[]): SipRequest {
  const req = new SipRequest('REFER', parseUri('sip:bob@127.0.0.1'));
  for (const r of referTo) req.add('Refer-To', r);
  return req;
}

async function call(p: UaPair): Promise<{ a: Dialog; b: Dialog }> {
  let b: Dialog | undefined;
  p.bob.onInvite(async (_req, uas) => {
    b = await uas.accept({ body: SDP_B });
  });
  const a = await p.alice.createUAC({ uri: p.bobUri, body: SDP_A }).established;
  await p.net.settle();
  assert.ok(b);
  return { a, b };
}

describe('Refer-To and Replaces (RFC 3515 2.1, RFC 3891 6.1)', () => {
  test('a blind target, with and without angle brackets', () => {
    const t = parseReferTo(referWith('<sip:carol@example.com;transport=tcp>'));
    assert.equal(t.uri.toString(), 'sip:carol@example.com;transport=tcp');
    assert.equal(t.replaces, undefined);
    assert.equal(parseReferTo(referWith('tel:+14155550100')).uri.user, '+14155550100');
  });

  test('an attended target: the escaped Replaces is decoded and taken off the URI', () => {
    const t = parseReferTo(
      referWith('<sip:carol@h?Replaces=abc%40h%3Bto-tag%3D12%3Bfrom-tag%3D34%3Bearly-only&Priority=urgent>'),
    );
    assert.deepEqual(t.replaces, { callId: 'abc@h', toTag: '12', fromTag: '34', earlyOnly: true });
    assert.equal(t.uri.toString(), 'sip:carol@h');
    assert.equal(t.headers.get('priority'), 'urgent');
    assert.equal(formatReplaces(t.replaces), 'abc@h;to-tag=12;from-tag=34;early-only');
  });

  test('refused with 400: none, two, another scheme, another method, an incomplete Replaces', () => {
    for (const bad of [
      referWith(),
      referWith('<sip:a@h>', '<sip:b@h>'),
      referWith('<mailto:a@h>'),
      referWith('<sip:a@h;method=BYE>'),
      referWith('<sip:a@h?Replaces=abc%3Bto-tag%3D1>'),
      referWith('<sip:a@h'),
    ]) {
      assert.throws(() => parseReferTo(bad), { code: 'PARSE', status: 400 });
    }
    assert.throws(() => parseReplaces('callid;from-tag=1'), { status: 400 });
  });
});

describe('REFER and its implicit subscription between two user agents', () => {
  test('202, NOTIFY 100 (active) then 200 (terminated;reason=noresource): the referrer sees completed', async () => {
    const p = await uaPair();
    const { a, b } = await call(p);
    b.on('refer', (req, res) => {
      const n = new ReferNotifier(b, req);
      n.accept(res);
      void n.progress(100).then(() => n.done(200));
    });
    const seen: number[] = [];
    const outcome = await sendRefer(a, {
      referTo: '<sip:carol@127.0.0.1>',
      timeoutMs: 5000,
      onProgress: (s) => seen.push(s),
    });
    assert.deepEqual(outcome, { result: 'completed', referStatus: 202, sipStatus: 200, sipReason: 'OK' });
    assert.deepEqual(seen, [100, 200]);
    const notifies = p.net.messages('NOTIFY ').map((m) => m.text);
    assert.equal(notifies.length, 2);
    assert.match(notifies[0], /Event: refer\r\n/);
    assert.match(notifies[0], /Subscription-State: active;expires=60\r\n/);
    assert.match(notifies[0], new RegExp(`Content-Type: ${SIPFRAG.replace('/', '\\/')}\r\n`));
    assert.match(notifies[0], /\r\n\r\nSIP\/2\.0 100 Trying\r\n$/);
    assert.match(notifies[1], /Subscription-State: terminated;reason=noresource\r\n/);
    assert.match(notifies[1], /\r\n\r\nSIP\/2\.0 200 OK\r\n$/);
    await a.destroy();
    await assertClean(p);
  });

  test('Refer-Sub: false (RFC 4488): the 202 echoes it and no NOTIFY is sent', async () => {
    const p = await uaPair();
    const { a, b } = await call(p);
    b.on('refer', (req, res) => {
      const n = new ReferNotifier(b, req);
      assert.equal(n.subscribed, false);
      n.accept(res);
      void n.progress(100).then(() => n.done(486));
    });
    const outcome = await sendRefer(a, {
      referTo: '<sip:carol@127.0.0.1>',
      headers: { 'Refer-Sub': 'false' },
      timeoutMs: 5000,
    });
    assert.equal(outcome.result, 'completed');
    await p.net.settle();
    assert.equal(p.net.messages('NOTIFY ').length, 0);
    await a.destroy();
    await assertClean(p);
  });

  test('a refused REFER, a failed transfer and a missing final NOTIFY', async () => {
    const p = await uaPair();
    const { a, b } = await call(p);
    const plan: Array<(n: ReferNotifier, res: Parameters<ReferNotifier['accept']>[0]) => void> = [
      (_n, res) => res.send(603),
      (n, res) => {
        n.accept(res);
        void n.done(486, 'Busy Here');
      },
      (n, res) => {
        n.accept(res);
        void n.progress(180);
      },
    ];
    b.on('refer', (req, res) => plan.shift()?.(new ReferNotifier(b, req), res));
    const refused = await sendRefer(a, { referTo: '<sip:c@h>', timeoutMs: 5000 });
    assert.deepEqual(refused, { result: 'refused', referStatus: 603 });
    const failed = await sendRefer(a, { referTo: '<sip:c@h>', timeoutMs: 5000 });
    assert.equal(failed.result, 'failed');
    assert.equal(failed.sipStatus, 486);
    const pending = sendRefer(a, { referTo: '<sip:c@h>', timeoutMs: 5000 });
    await advance(p, 6000);
    const timedOut = await pending;
    assert.equal(timedOut.result, 'timeout');
    assert.equal(timedOut.sipStatus, 180);
    // A later REFER's NOTIFYs name their subscription (RFC 3515 2.4.6).
    assert.match(p.net.messages('NOTIFY ').at(-1)?.text ?? '', /Event: refer;id=\d+\r\n/);
    await a.destroy();
    await assertClean(p);
  });
});
