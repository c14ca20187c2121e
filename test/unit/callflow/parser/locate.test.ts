import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Locator } from '../../../../src/callflow/parser/locate.ts';
import { errors, only, valid } from './parse-helpers.ts';

describe('Locator', () => {
  test('1-based line:col for increasing offsets, and again after going back', () => {
    const text = 'ab\ncd\n\nefg';
    const loc = new Locator(text);
    assert.deepEqual(loc.locate(0), { line: 1, col: 1 });
    assert.deepEqual(loc.locate(1), { line: 1, col: 2 });
    assert.deepEqual(loc.locate(3), { line: 2, col: 1 });
    assert.deepEqual(loc.locate(6), { line: 3, col: 1 });
    assert.deepEqual(loc.locate(8), { line: 4, col: 2 });
    assert.deepEqual(loc.locate(4), { line: 2, col: 2 });
  });
});

describe('problem positions', () => {
  test('a schema error in a multi-line document points at the start tag of its element', () => {
    const xml = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<Response>',
      '  <!-- <Gather numDigits="99"> in a comment does not count -->',
      '  <Speak>Welcome</Speak>',
      '  <Gather action="https://ivr.test/a">',
      '    <Speak>first menu</Speak>',
      '  </Gather>',
      '  <Gather action="https://ivr.test/b">',
      '    <Play>https://ivr.test/a.mp3</Play>',
      '    <Speak loop="many">second menu</Speak>',
      '  </Gather>',
      '</Response>',
    ].join('\r\n');
    const p = only(
      errors(xml),
      'INVALID_ATTRIBUTE',
      'Speak@loop: expected an integer >= 0, got "many"',
      'Response/Gather[2]/Speak[1]',
    );
    assert.deepEqual([p.line, p.col], [10, 5]);
  });

  test('positions skip CDATA, comments, PIs and SSML inside Speak; tabs count one column', () => {
    const xml = `<Response>
\t<Speak>Hi <break time="1s"/><Play>not a verb here</Play> there</Speak><![CDATA[ <Play> ]]>
\t<?pi <Play>?><Play>https://a.test/x.mp3</Play>
</Response>`;
    const errs = errors(xml);
    assert.deepEqual(
      errs.map((e) => [e.code, e.path, e.line, e.col]),
      [['NESTING', 'Response/Speak[1]', 2, 2]],
    );
  });

  test('every verb carries its own path and start-tag position', () => {
    const doc = valid(
      '<Response>\n <Dial>\n  <Number>1</Number>\n  <User>sip:a@b.test</User>\n  <Number>2</Number>\n </Dial>\n</Response>',
    );
    const dial = doc.verbs[0];
    assert.ok(dial.verb === 'Dial');
    assert.deepEqual([dial.path, dial.line, dial.col], ['Response/Dial[1]', 2, 2]);
    assert.deepEqual(
      dial.targets.map((t) => [t.path, t.line, t.col]),
      [
        ['Response/Dial[1]/Number[1]', 3, 3],
        ['Response/Dial[1]/User[1]', 4, 3],
        ['Response/Dial[1]/Number[2]', 5, 3],
      ],
    );
  });

  test('attribute values containing ">" do not shift positions', () => {
    const doc = valid(
      '<Response><Speak voice="MAN">a &gt; b</Speak>\n<Gather action="https://a.test/?q=a>b"><Speak>x</Speak></Gather></Response>',
    );
    const gather = doc.verbs[1];
    assert.ok(gather.verb === 'Gather');
    assert.deepEqual([gather.line, gather.col, gather.prompts[0].col], [2, 1, 40]);
  });
});
