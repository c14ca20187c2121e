import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseVobizXml } from '../../../../src/callflow/parser/parse-vobiz-xml.ts';
import { bodyErrors, errors, only, valid, warnings } from './parse-helpers.ts';

describe('unknown elements and attributes', () => {
  test('an unknown element is an error naming it and its path', () => {
    only(
      bodyErrors('<Speak>a</Speak><Foo/>'),
      'UNKNOWN_ELEMENT',
      '<Foo> is not a VobizXML element',
      'Response/Foo[1]',
    );
  });

  test('Plivo and TwiML names get a pointer to the VobizXML element', () => {
    only(
      bodyErrors('<GetDigits action="https://a.test/"/>'),
      'UNKNOWN_ELEMENT',
      '<GetDigits> is not a VobizXML element: use <Gather> (GetDigits is Plivo XML; Vobiz replaced it with Gather)',
    );
    assert.match(bodyErrors('<GetInput/>')[0].message, /use <Gather>/);
    assert.match(bodyErrors('<Say>hi</Say>')[0].message, /use <Speak>/);
    assert.match(bodyErrors('<AudioStream/>')[0].message, /use <Stream>/);
  });

  test('element names are case-sensitive, with a hint', () => {
    only(
      bodyErrors('<speak>a</speak>'),
      'UNKNOWN_ELEMENT',
      '<speak> is not a VobizXML element: did you mean <Speak>? (element names are case-sensitive)',
    );
    only(
      bodyErrors('<Dtmf>1</Dtmf>'),
      'UNKNOWN_ELEMENT',
      '<Dtmf> is not a VobizXML element: did you mean <DTMF>? (element names are case-sensitive)',
    );
  });

  test('unknown attributes are ignored with a warning; case slips get a hint', () => {
    const xml = '<Response><Dial callerID="1" foo="bar"><Number>1</Number></Dial></Response>';
    const doc = valid(xml);
    assert.equal(doc.verbs[0].verb === 'Dial' && doc.verbs[0].callerId, undefined);
    assert.deepEqual(
      warnings(xml).map((w) => [w.code, w.message, w.path]),
      [
        [
          'UNKNOWN_ATTRIBUTE',
          'Dial@callerID: unknown attribute, ignored (did you mean callerId? names are case-sensitive)',
          'Response/Dial[1]',
        ],
        ['UNKNOWN_ATTRIBUTE', 'Dial@foo: unknown attribute, ignored', 'Response/Dial[1]'],
      ],
    );
    only(
      warnings('<Response xmlns="urn:x"/>'),
      'UNKNOWN_ATTRIBUTE',
      'Response@xmlns: unknown attribute, ignored (Response has none)',
    );
  });

  test('all problems are collected, in document order', () => {
    const errs = errors(`<Response>
  <Play loop="x">https://a.test/a.mp3</Play>
  <Foo/>
  <Gather numDigits="99" action="https://a.test/"/>
</Response>`);
    assert.deepEqual(
      errs.map((e) => [e.code, e.line]),
      [
        ['INVALID_ATTRIBUTE', 2],
        ['UNKNOWN_ELEMENT', 3],
        ['INVALID_ATTRIBUTE', 4],
      ],
    );
  });
});

describe('sound documents (confirmSound, dialMusic, waitSound)', () => {
  test('only Play, Speak and Wait are kept; the rest is dropped with a warning', () => {
    const xml = `<Response><Speak>Please hold</Speak><Dial>123</Dial><Play>https://a.test/m.mp3</Play><Hangup/><Wait/></Response>`;
    const r = parseVobizXml(xml, { context: 'sound' });
    assert.ok(r.ok);
    assert.deepEqual(
      r.document.verbs.map((v) => v.verb),
      ['Speak', 'Play', 'Wait'],
    );
    assert.deepEqual(
      r.warnings.map((w) => [w.code, w.path]),
      [
        ['IGNORED_ELEMENT', 'Response/Dial[1]'],
        ['IGNORED_ELEMENT', 'Response/Hangup[1]'],
      ],
    );
    assert.match(
      r.warnings[0].message,
      /^<Dial> ignored: a confirmSound\/dialMusic\/waitSound document runs only Play, Speak and Wait$/,
    );
    // The same document is a call flow in the default context.
    assert.equal(valid(xml).verbs.length, 5);
  });

  test('unknown elements are still errors there', () => {
    only(
      errors('<Response><Foo/></Response>', { context: 'sound' }),
      'UNKNOWN_ELEMENT',
      '<Foo> is not a VobizXML element',
    );
  });
});

test('a typical IVR document validates end to end', () => {
  const doc = valid(`<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <PreAnswer><Speak>Thanks for calling.</Speak></PreAnswer>
  <Gather action="https://ivr.test/menu" numDigits="1" executionTimeout="10">
    <Speak>Press 1 for sales, 2 for support.</Speak>
  </Gather>
  <Speak>No input received.</Speak>
  <Redirect method="GET">https://ivr.test/start</Redirect>
</Response>`);
  assert.deepEqual(
    doc.verbs.map((v) => `${v.verb}@${v.line}:${v.col}`),
    ['PreAnswer@3:3', 'Gather@4:3', 'Speak@7:3', 'Redirect@8:3'],
  );
});
