import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { describe, test } from 'node:test';
import { OutboundPolicyError } from '../../../src/webhooks/errors.ts';
import { OutboundPolicy, pinnedLookup, resolveTarget } from '../../../src/webhooks/outbound-policy.ts';

describe('outbound-address policy', () => {
  test('refuses link-local, unspecified, multicast and broadcast by default', () => {
    const p = new OutboundPolicy();
    assert.equal(p.refusal('169.254.169.254'), 'link-local');
    assert.equal(p.refusal('fe80::1'), 'link-local');
    assert.equal(p.refusal('febf:ffff::1'), 'link-local');
    assert.equal(p.refusal('::ffff:169.254.169.254'), 'link-local', 'IPv4-mapped IPv6 too');
    assert.equal(p.refusal('0.0.0.0'), 'unspecified');
    assert.equal(p.refusal('::'), 'unspecified');
    assert.equal(p.refusal('224.0.0.1'), 'multicast');
    assert.equal(p.refusal('239.255.255.250'), 'multicast');
    assert.equal(p.refusal('ff02::1'), 'multicast');
    assert.equal(p.refusal('255.255.255.255'), 'broadcast');
  });

  test('allows loopback, private and public addresses by default', () => {
    const p = new OutboundPolicy();
    for (const a of [
      '127.0.0.1',
      '::1',
      '10.1.2.3',
      '192.168.1.1',
      '172.16.0.1',
      'fd00::1',
      '8.8.8.8',
      '2001:db8::1',
    ]) {
      assert.equal(p.refusal(a), undefined, a);
    }
  });

  test('deny adds CIDRs, allow overrides deny and the defaults', () => {
    const p = new OutboundPolicy({
      deny: ['127.0.0.0/8', '10.0.0.0/8', '::1/128'],
      allow: ['10.9.0.0/16', '169.254.10.10'],
    });
    assert.equal(p.refusal('127.0.0.1'), 'denied by policy');
    assert.equal(p.refusal('::ffff:127.0.0.1'), 'denied by policy');
    assert.equal(p.refusal('::1'), 'denied by policy');
    assert.equal(p.refusal('10.1.1.1'), 'denied by policy');
    assert.equal(p.refusal('10.9.1.1'), undefined);
    assert.equal(p.refusal('169.254.10.10'), undefined);
    assert.equal(p.refusal('169.254.10.11'), 'link-local');
    const v6 = new OutboundPolicy({ deny: ['2001:db8::/32', '::ffff:10.0.0.0/104'] });
    assert.equal(v6.refusal('2001:db8:1::5'), 'denied by policy');
    assert.equal(v6.refusal('2001:db9::5'), undefined);
    assert.equal(v6.refusal('10.2.3.4'), 'denied by policy', 'an IPv4-mapped CIDR covers the IPv4 range');
    assert.equal(v6.refusal('11.2.3.4'), undefined);
  });

  test('a malformed CIDR is a configuration error with a code', () => {
    for (const bad of ['10.0.0.0/33', 'fe80::/129', 'example.com/8', '10.0.0.0/8/1', '10.0.0.0/x', '']) {
      assert.throws(
        () => new OutboundPolicy({ deny: [bad] }),
        (e: unknown) => e instanceof OutboundPolicyError && e.code === 'INVALID_CIDR',
        bad,
      );
    }
  });

  test('resolveTarget checks IP literals without resolving them', async () => {
    let resolved = 0;
    const resolver = async () => {
      resolved++;
      return [];
    };
    const p = new OutboundPolicy();
    assert.deepEqual(await resolveTarget('127.0.0.1', p, resolver), {
      ok: true,
      addresses: [{ address: '127.0.0.1', family: 4 }],
    });
    assert.deepEqual(await resolveTarget('[::1]', p, resolver), {
      ok: true,
      addresses: [{ address: '::1', family: 6 }],
    });
    const r = await resolveTarget('[fe80::1]', p, resolver);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'FORBIDDEN_ADDRESS');
    assert.equal(resolved, 0);
  });

  test('resolveTarget drops refused addresses of a name and fails when none is left', async () => {
    const p = new OutboundPolicy();
    const mixed = await resolveTarget('mixed.test', p, async () => [
      { address: '169.254.169.254', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ]);
    assert.deepEqual(mixed, { ok: true, addresses: [{ address: '127.0.0.1', family: 4 }] });
    const evil = await resolveTarget('metadata.test', p, async () => [
      { address: '169.254.169.254', family: 4 },
    ]);
    assert.equal(!evil.ok && evil.code, 'FORBIDDEN_ADDRESS');
    assert.match(!evil.ok ? evil.message : '', /metadata\.test -> 169\.254\.169\.254.*link-local/);
    const missing = await resolveTarget('nowhere.test', p, async () => {
      throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
    });
    assert.equal(!missing.ok && missing.code, 'DNS');
    const empty = await resolveTarget('empty.test', p, async () => []);
    assert.equal(!empty.ok && empty.code, 'DNS');
  });

  test('pinnedLookup answers only with the checked addresses, in both callback shapes', async () => {
    const lookup = pinnedLookup([
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ]);
    const one = await new Promise<[string, number | undefined]>((resolve, reject) =>
      lookup('anything.test', { family: 6 }, (err, address, family) =>
        err ? reject(err) : resolve([address as string, family]),
      ),
    );
    assert.deepEqual(one, ['::1', 6]);
    const all = await new Promise<LookupAddress[]>((resolve, reject) =>
      lookup('anything.test', { all: true }, (err, addresses) =>
        err ? reject(err) : resolve(addresses as LookupAddress[]),
      ),
    );
    assert.deepEqual(all, [
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ]);
    const v4only = pinnedLookup([{ address: '127.0.0.1', family: 4 }]);
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      v4only('x.test', { family: 6 }, (e) => resolve(e)),
    );
    assert.equal(err?.code, 'ENOTFOUND');
  });
});
