import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Params } from '../../../../src/sip/message/params.ts';
import { Via } from '../../../../src/sip/message/via.ts';
import type { Source } from '../../../../src/sip/transport/types.ts';
import { responseDestination, stampReceived } from '../../../../src/sip/transport/via-routing.ts';

function via(
  host: string,
  port: number | undefined,
  params: [string, string | null][],
  transport = 'UDP',
): Via {
  const p: Params = new Map(params);
  return new Via({ transport, host, port, params: p });
}

const source: Source = {
  protocol: 'udp',
  address: '127.0.0.1',
  port: 40000,
  local: { address: '127.0.0.1', port: 5060 },
};

describe('stampReceived (RFC 3261 18.2.1, RFC 3581 4)', () => {
  test('adds received when the sent-by host is not the source address', () => {
    const v = via('192.0.2.1', 5060, [['branch', 'z9hG4bK1']]);
    stampReceived(v, source);
    assert.equal(v.received, '127.0.0.1');
    assert.equal(v.params.has('rport'), false);
  });

  test('adds received for a domain name', () => {
    const v = via('pc33.example.com', undefined, []);
    stampReceived(v, source);
    assert.equal(v.received, '127.0.0.1');
  });

  test('adds nothing when the host is the source and rport is not asked for', () => {
    const v = via('127.0.0.1', 5070, [['branch', 'z9hG4bK1']]);
    stampReceived(v, source);
    assert.equal(v.toString(), 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1');
  });

  test('fills an empty rport with the source port, and then always adds received', () => {
    const v = via('127.0.0.1', 5070, [
      ['branch', 'z9hG4bK1'],
      ['rport', null],
    ]);
    stampReceived(v, source);
    assert.equal(v.rport, 40000);
    assert.equal(v.received, '127.0.0.1');
    assert.equal(v.toString(), 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1;rport=40000;received=127.0.0.1');
  });

  test('compares IPv6 hosts without case and writes received without brackets', () => {
    const v6: Source = { ...source, address: '2001:db8::1' };
    const same = via('2001:DB8::1', 5060, []);
    stampReceived(same, v6);
    assert.equal(same.received, undefined);
    const other = via('2001:db8::2', 5060, []);
    stampReceived(other, v6);
    assert.equal(other.toString(), 'SIP/2.0/UDP [2001:db8::2]:5060;received=2001:db8::1');
  });
});

describe('responseDestination (RFC 3261 18.2.2, RFC 3581 4)', () => {
  test('unreliable with maddr: the maddr and the sent-by port, before anything else', () => {
    const v = via('192.0.2.1', 5080, [
      ['maddr', '127.0.0.9'],
      ['rport', '40000'],
      ['received', '127.0.0.1'],
    ]);
    assert.deepEqual(responseDestination(v, source, false), { address: '127.0.0.9', port: 5080 });
  });

  test('unreliable with an rport value: received (the source) and that port', () => {
    const v = via('192.0.2.1', 5080, [
      ['rport', '40000'],
      ['received', '127.0.0.1'],
    ]);
    assert.deepEqual(responseDestination(v, source, false), { address: '127.0.0.1', port: 40000 });
    const noReceived = via('192.0.2.1', 5080, [['rport', '40001']]);
    assert.deepEqual(responseDestination(noReceived, source, false), { address: '127.0.0.1', port: 40001 });
  });

  test('unreliable with received only: received and the sent-by port, 5060 by default', () => {
    const v = via('192.0.2.1', 5080, [['received', '127.0.0.1']]);
    assert.deepEqual(responseDestination(v, source, false), { address: '127.0.0.1', port: 5080 });
    const noPort = via('192.0.2.1', undefined, [['received', '127.0.0.1']]);
    assert.deepEqual(responseDestination(noPort, source, false), { address: '127.0.0.1', port: 5060 });
  });

  test('unreliable with neither: the sent-by', () => {
    const v = via('127.0.0.1', 5080, [['branch', 'z9hG4bK1']]);
    assert.deepEqual(responseDestination(v, source, false), { address: '127.0.0.1', port: 5080 });
  });

  test('reliable: received and the sent-by port (rport is for datagrams), TLS defaulting to 5061', () => {
    const v = via('192.0.2.1', 5080, [
      ['rport', '40000'],
      ['received', '127.0.0.1'],
    ]);
    assert.deepEqual(responseDestination(v, { ...source, protocol: 'tcp' }, true), {
      address: '127.0.0.1',
      port: 5080,
    });
    const tls = via('192.0.2.1', undefined, [['received', '127.0.0.1']], 'TLS');
    assert.deepEqual(responseDestination(tls, { ...source, protocol: 'tls' }, true), {
      address: '127.0.0.1',
      port: 5061,
    });
  });
});
