import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  headerParams,
  MessageParseError,
  parseCSeq,
  parseParams,
} from '../../../../src/sip/message/parser.ts';

function rejects(fn: () => unknown, reason: RegExp): void {
  assert.throws(
    fn,
    (err: unknown) => err instanceof MessageParseError && err.status === 400 && reason.test(err.message),
  );
}

describe('parseParams', () => {
  test('with and without the leading ;', () => {
    assert.deepEqual(
      [...parseParams(';a=b;C;d="x;y"')],
      [
        ['a', 'b'],
        ['c', null],
        ['d', '"x;y"'],
      ],
    );
    assert.deepEqual(
      [...parseParams('expires=60;flag')],
      [
        ['expires', '60'],
        ['flag', null],
      ],
    );
    assert.equal(parseParams('').size, 0);
  });

  test('errors', () => {
    rejects(() => parseParams(';a=b;;c'), /empty or invalid parameter/);
    rejects(() => parseParams(';a b'), /invalid character in parameters/);
    rejects(() => parseParams(';a="open'), /unterminated quoted string/);
  });
});

describe('headerParams', () => {
  test('Subscription-State, Event and Content-Type forms', () => {
    const ss = headerParams('active;expires=60');
    assert.equal(ss.value, 'active');
    assert.equal(ss.params.get('expires'), '60');
    const ev = headerParams(' refer ; id=3 ');
    assert.equal(ev.value, 'refer');
    assert.equal(ev.params.get('id'), '3');
    const ct = headerParams('application/sdp;charset=x');
    assert.equal(ct.value, 'application/sdp');
    assert.equal(ct.params.get('charset'), 'x');
    const plain = headerParams('terminated');
    assert.equal(plain.value, 'terminated');
    assert.equal(plain.params.size, 0);
  });

  test('a quoted string before the parameters is not split', () => {
    const r = headerParams('"a;b";x=1');
    assert.equal(r.value, '"a;b"');
    assert.equal(r.params.get('x'), '1');
  });
});

describe('parseCSeq', () => {
  test('number and method, leading zeros and LWS', () => {
    assert.deepEqual(parseCSeq('314159 INVITE'), { seq: 314159, method: 'INVITE' });
    assert.deepEqual(parseCSeq(' 0009   ACK '), { seq: 9, method: 'ACK' });
    assert.deepEqual(parseCSeq('2147483647 BYE'), { seq: 2 ** 31 - 1, method: 'BYE' });
  });

  test('errors', () => {
    rejects(() => parseCSeq('2147483648 INVITE'), /CSeq number out of range/);
    rejects(() => parseCSeq('36893488147419103232 INVITE'), /CSeq number out of range/);
    rejects(() => parseCSeq('1'), /malformed CSeq/);
    rejects(() => parseCSeq('INVITE'), /malformed CSeq/);
    rejects(() => parseCSeq('1INVITE'), /malformed CSeq/);
    rejects(() => parseCSeq('1 INVITE BYE'), /malformed CSeq method/);
  });
});
