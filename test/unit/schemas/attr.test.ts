import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { z } from 'zod';
import { bool, digitPatterns, httpUrl, int, keyValues, wsUrl } from '../../../schemas/xml/attr.ts';
import {
  DialAttributes,
  GatherAttributes,
  SpeakAttributes,
  WaitAttributes,
} from '../../../schemas/xml/index.ts';

function accepts(schema: z.ZodType, value: string): boolean {
  return schema.safeParse(value).success;
}

describe('attribute codecs', () => {
  test('int: decimal digits only, inside the range', () => {
    const s = int({ min: 1, max: 32 });
    assert.equal(s.parse('1'), 1);
    assert.equal(s.parse('32'), 32);
    assert.equal(s.parse('007'), 7);
    for (const v of ['0', '33', '-1', '+3', ' 3', '3 ', '1.0', '1e1', '0x10', '', 'ten', '9'.repeat(16)]) {
      assert.equal(accepts(s, v), false, v);
    }
    assert.equal(s.safeParse('40').error?.issues[0].message, 'expected an integer 1-32, got "40"');
    assert.equal(
      int({ min: 0 }).safeParse('x').error?.issues[0].message,
      'expected an integer >= 0, got "x"',
    );
  });

  test('int with a cap: larger values are capped, not refused', () => {
    const s = int({ min: 1, cap: 100 });
    assert.equal(s.parse('99'), 99);
    assert.equal(s.parse('100'), 100);
    assert.equal(s.parse('123456'), 100);
    assert.equal(accepts(s, '0'), false);
  });

  test('bool: exactly "true" or "false"', () => {
    assert.equal(bool().parse('true'), true);
    assert.equal(bool().parse('false'), false);
    for (const v of ['True', 'TRUE', '1', 'yes', '']) assert.equal(accepts(bool(), v), false, v);
    assert.equal(bool().safeParse('yes').error?.issues[0].message, 'expected "true" or "false", got "yes"');
  });

  test('URLs: absolute http(s) for callbacks, ws(s) for Stream', () => {
    for (const v of ['https://a.test/x?y=1#ct=100', 'http://127.0.0.1:8080/a', 'HTTPS://A.TEST'])
      assert.ok(accepts(httpUrl(), v), v);
    for (const v of [
      '/relative',
      'a.test/x',
      'ftp://a.test/',
      'https://',
      'https://a test/',
      'wss://a.test/',
      '',
    ]) {
      assert.equal(accepts(httpUrl(), v), false, v);
    }
    assert.ok(accepts(wsUrl(), 'wss://a.test/ws'));
    assert.ok(accepts(wsUrl(), 'ws://127.0.0.1:9000'));
    assert.equal(accepts(wsUrl(), 'https://a.test/ws'), false);
  });

  test('keyValues: k=v,k2=v2 with letters and digits only', () => {
    assert.deepEqual(keyValues().parse('a=1,B2=xY'), { a: '1', B2: 'xY' });
    assert.deepEqual(keyValues().parse(''), {});
    for (const v of ['a', 'a=', '=1', 'a=1,', 'a-b=1', 'a=1;b=2', 'a=b=c', 'a = 1'])
      assert.equal(accepts(keyValues(), v), false, v);
    assert.equal(accepts(keyValues(8), 'abc=1234'), true);
    assert.equal(accepts(keyValues(8), 'abc=12345'), false);
  });

  test('digitPatterns: comma-separated patterns of 0-9 * #', () => {
    assert.deepEqual(digitPatterns().parse('123,*9#,0'), ['123', '*9#', '0']);
    for (const v of ['', '1,', ',1', '1a', '1, 2']) assert.equal(accepts(digitPatterns(), v), false, v);
  });
});

describe('attribute objects', () => {
  test('defaults apply when an attribute is absent', () => {
    assert.deepEqual(SpeakAttributes.parse({}), { voice: 'WOMAN', language: 'en-US', loop: 1 });
    assert.deepEqual(WaitAttributes.parse({}), { length: 1, silence: false, minSilence: 2000, beep: false });
    const d = DialAttributes.parse({});
    assert.deepEqual(
      [d.timeLimit, d.confirmTimeout, d.dialMusic, d.redirect, d.method],
      [14400, 120, 'real', true, 'POST'],
    );
  });

  test('required attributes stay required', () => {
    assert.equal(GatherAttributes.safeParse({}).success, false);
    assert.equal(GatherAttributes.safeParse({ action: 'https://a.test/' }).success, true);
  });

  test('values are strings as written in XML: typed values are refused', () => {
    assert.equal(SpeakAttributes.safeParse({ loop: 2 }).success, false);
    assert.equal(WaitAttributes.safeParse({ silence: true }).success, false);
  });
});
