import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_DIAL_DESTINATIONS, MAX_REDIRECT_HOPS, RedirectBudget } from '../../../../src/calls/dialer.ts';
import { dialTargetOf } from '../../../../src/calls/transfer/dial-transfer.ts';
import { parseReferTo } from '../../../../src/sip/dialog/refer-to.ts';
import { SipRequest } from '../../../../src/sip/message/message.ts';
import { parseUri } from '../../../../src/sip/message/parser.ts';

const uris = (...s: string[]) => s.map(parseUri);

describe('Dial redirects (RFC 3261 8.1.3.4): RedirectBudget', () => {
  test('sip, sips and tel Contacts are followed; other schemes and loops are not', () => {
    const b = new RedirectBudget(['sip:a@h']);
    const next = b.next(uris('sip:a@h;transport=udp', 'mailto:x@h', 'sip:b@h', 'tel:+1555', 'sips:c@h'), 1);
    assert.deepEqual(
      next.map((u) => u.toString()),
      ['sip:b@h', 'tel:+1555', 'sips:c@h'],
    );
    assert.deepEqual(b.next(uris('sip:B@h'), 2), [], 'already tried (case-insensitive)');
  });

  test(`at most ${MAX_REDIRECT_HOPS} hops and ${MAX_DIAL_DESTINATIONS} destinations in all`, () => {
    const b = new RedirectBudget(['sip:start@h']);
    assert.deepEqual(b.next(uris('sip:deep@h'), MAX_REDIRECT_HOPS + 1), []);
    const many = Array.from({ length: 20 }, (_, i) => `sip:u${i}@h`);
    assert.equal(b.next(uris(...many), 1).length, MAX_DIAL_DESTINATIONS - 1);
    assert.deepEqual(b.next(uris('sip:later@h'), 2), []);
  });
});

describe('transfer targets', () => {
  const refer = (to: string) => {
    const req = new SipRequest('REFER', parseUri('sip:pb@h'));
    req.add('Refer-To', to);
    return parseReferTo(req);
  };

  test('tel: goes through the trunk like <Number>; a SIP URI is dialed as it is', () => {
    assert.deepEqual(dialTargetOf(refer('<tel:+14155550100>')), {
      kind: 'Number',
      address: '+14155550100',
      headers: {},
    });
    assert.deepEqual(dialTargetOf(refer('<sip:carol@192.0.2.1:5062>')), {
      kind: 'User',
      address: 'sip:carol@192.0.2.1:5062',
      headers: {},
    });
  });

  test('an attended target elsewhere: the INVITE carries the Replaces of the Refer-To (RFC 3891)', () => {
    const t = dialTargetOf(refer('<sip:carol@h?Replaces=c1%3Bto-tag%3Dt%3Bfrom-tag%3Df>'));
    assert.deepEqual(t.headers, { Replaces: 'c1;to-tag=t;from-tag=f' });
    assert.equal(t.address, 'sip:carol@h');
  });
});
