import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { BASE64 } from '../../../schemas/stream/index.ts';
import { base64Length, decodeBase64Into, encodeBase64Into } from '../../../src/util/base64.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=';

function decode(text: string): Buffer | undefined {
  // The text sits inside other bytes, as a payload sits inside a JSON frame.
  const src = Buffer.from(`{"x":"${text}"}`, 'latin1');
  const dst = Buffer.alloc(text.length);
  const n = decodeBase64Into(src, 6, 6 + text.length, dst);
  return n < 0 ? undefined : dst.subarray(0, n);
}

describe('base64 between byte arrays', () => {
  test('encodes exactly as Buffer does, at an offset, every length and byte', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), fc.nat(8), (bytes, at) => {
        const dst = Buffer.alloc(at + base64Length(bytes.length) + 3, 0x21);
        const end = encodeBase64Into(bytes, dst, at);
        const expected = Buffer.from(bytes).toString('base64');
        assert.equal(end - at, expected.length);
        assert.equal(dst.toString('latin1', at, end), expected);
        // Nothing written outside its place.
        assert.ok(dst.subarray(0, at).every((b) => b === 0x21));
        assert.ok(dst.subarray(end).every((b) => b === 0x21));
      }),
      { numRuns: 500 },
    );
  });

  test('decodes what it encodes, and Buffer’s own base64', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), (bytes) => {
        assert.deepEqual(decode(Buffer.from(bytes).toString('base64')), Buffer.from(bytes));
      }),
      { numRuns: 500 },
    );
  });

  test('accepts exactly the texts the stream schema’s BASE64 pattern accepts, with Buffer’s bytes', () => {
    const text = fc.string({ unit: fc.constantFrom(...ALPHABET, ...'-_ \n"\\é'), maxLength: 14 });
    fc.assert(
      fc.property(text, (t) => {
        const got = decode(t);
        if (!BASE64.test(t)) assert.equal(got, undefined, `accepted ${JSON.stringify(t)}`);
        else assert.deepEqual(got, Buffer.from(t, 'base64'), `bytes of ${JSON.stringify(t)}`);
      }),
      { numRuns: 5000 },
    );
  });

  test('the usual mistakes are refused; padding bits are ignored as Buffer ignores them', () => {
    for (const t of ['QQ', 'QQ=', 'Q===', '====', 'QQ==QQ==', 'QU=B', 'QUJD\n', 'QU JD', 'QUJ-', 'QUJ_'])
      assert.equal(decode(t), undefined, t);
    assert.deepEqual(decode('QR=='), Buffer.from('QR==', 'base64'));
    assert.deepEqual(decode(''), Buffer.alloc(0));
  });

  test('a destination too small is a refusal, not an overrun', () => {
    const src = Buffer.from('QUJDREVG');
    assert.equal(decodeBase64Into(src, 0, src.length, new Uint8Array(5)), -1);
    assert.equal(decodeBase64Into(src, 0, src.length, new Uint8Array(6)), 6);
  });
});
