import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bodyErrors, only, valid, verb, warnings } from './parse-helpers.ts';

describe('Speak', () => {
  test('defaults: voice WOMAN, language en-US, loop 1', () => {
    const v = verb('<Speak>Hello there</Speak>', 'Speak');
    assert.deepEqual(v, {
      verb: 'Speak',
      voice: 'WOMAN',
      language: 'en-US',
      loop: 1,
      text: 'Hello there',
      path: 'Response/Speak[1]',
      line: 1,
      col: 11,
    });
  });

  test('attributes as written: MAN, a Polly voice, loop 0 (forever)', () => {
    assert.equal(verb('<Speak voice="MAN" language="fr-FR">Bonjour</Speak>', 'Speak').voice, 'MAN');
    const polly = verb('<Speak voice="Polly.Amy" loop="0">Hi</Speak>', 'Speak');
    assert.equal(polly.voice, 'Polly.Amy');
    assert.equal(polly.loop, 0);
  });

  test('entities decoded, whitespace collapsed; SSML stripped into text and kept raw in ssml', () => {
    assert.equal(
      verb('<Speak>  Fish &amp; chips\n\t&#8364;5 &lt;ok&gt; </Speak>', 'Speak').text,
      'Fish & chips €5 <ok>',
    );
    const v = verb('<Speak>Hello<break time="1s"/>you, <emphasis>really</emphasis> you</Speak>', 'Speak');
    assert.equal(v.text, 'Hello you, really you');
    assert.equal(v.ssml, 'Hello<break time="1s"/>you, <emphasis>really</emphasis> you');
    assert.equal(verb('<Speak>plain</Speak>', 'Speak').ssml, undefined);
  });

  test('wrong voice, negative loop, empty text, a verb inside', () => {
    only(
      bodyErrors('<Speak voice="CHILD">x</Speak>'),
      'INVALID_ATTRIBUTE',
      'Speak@voice: expected WOMAN, MAN or Polly.<Name>, got "CHILD"',
      'Response/Speak[1]',
    );
    only(
      bodyErrors('<Speak loop="-1">x</Speak>'),
      'INVALID_ATTRIBUTE',
      'Speak@loop: expected an integer >= 0, got "-1"',
    );
    only(
      bodyErrors('<Speak language="english">x</Speak>'),
      'INVALID_ATTRIBUTE',
      'Speak@language: expected a language code like en-US, got "english"',
    );
    only(
      bodyErrors('<Speak>  </Speak>'),
      'INVALID_TEXT',
      'Speak text: expected text to speak, got an empty element',
    );
    only(
      bodyErrors('<Speak>a <Play>https://x.test/a.mp3</Play></Speak>'),
      'NESTING',
      '<Play> is not allowed inside <Speak> (text or SSML only)',
    );
  });
});

describe('Play', () => {
  test('defaults: loop 1; URL from the text', () => {
    const v = verb('<Play> https://cdn.example.com/a.mp3?x=1&amp;y=2 </Play>', 'Play');
    assert.equal(v.loop, 1);
    assert.equal(v.url, 'https://cdn.example.com/a.mp3?x=1&y=2');
    assert.equal(
      verb('<Play><![CDATA[http://cdn.example.com/b.wav?a=1&b=2]]></Play>', 'Play').url,
      'http://cdn.example.com/b.wav?a=1&b=2',
    );
  });

  test('relative URL, bad loop, a child element', () => {
    only(
      bodyErrors('<Play>/audio/a.mp3</Play>'),
      'INVALID_TEXT',
      'Play text: expected an absolute http(s) URL, got "/audio/a.mp3"',
      'Response/Play[1]',
    );
    only(
      bodyErrors('<Play>ftp://x.test/a.mp3</Play>'),
      'INVALID_TEXT',
      'Play text: expected an absolute http(s) URL, got "ftp://x.test/a.mp3"',
    );
    only(
      bodyErrors('<Play loop="twice">https://x.test/a.mp3</Play>'),
      'INVALID_ATTRIBUTE',
      'Play@loop: expected an integer >= 0, got "twice"',
    );
    only(
      bodyErrors('<Play>https://x.test/a.mp3<Speak>x</Speak></Play>'),
      'NESTING',
      '<Speak> is not allowed inside <Play> (<Play> takes no child elements)',
      'Response/Play[1]/Speak[1]',
    );
  });
});

describe('Wait', () => {
  test('defaults: length 1, silence false, minSilence 2000, beep false', () => {
    const v = verb('<Wait/>', 'Wait');
    assert.deepEqual(
      { length: v.length, silence: v.silence, minSilence: v.minSilence, beep: v.beep },
      { length: 1, silence: false, minSilence: 2000, beep: false },
    );
    const w = verb('<Wait length="10" silence="true" minSilence="500"/>', 'Wait');
    assert.deepEqual([w.length, w.silence, w.minSilence], [10, true, 500]);
  });

  test('out of range and non-boolean values', () => {
    only(
      bodyErrors('<Wait length="0"/>'),
      'INVALID_ATTRIBUTE',
      'Wait@length: expected an integer >= 1, got "0"',
    );
    only(
      bodyErrors('<Wait length="1.5"/>'),
      'INVALID_ATTRIBUTE',
      'Wait@length: expected an integer >= 1, got "1.5"',
    );
    only(
      bodyErrors('<Wait silence="yes"/>'),
      'INVALID_ATTRIBUTE',
      'Wait@silence: expected "true" or "false", got "yes"',
    );
    only(
      bodyErrors('<Wait beep="TRUE"/>'),
      'INVALID_ATTRIBUTE',
      'Wait@beep: expected "true" or "false", got "TRUE"',
    );
  });

  test('cross-attribute findings are warnings: minSilence without silence, not shorter than length, beep with silence', () => {
    const w1 = warnings('<Response><Wait minSilence="500"/></Response>');
    only(w1, 'INVALID_ATTRIBUTE', 'Wait@minSilence: ignored: minSilence only applies with silence="true"');
    const w2 = warnings('<Response><Wait length="2" silence="true" minSilence="2000"/></Response>');
    only(
      w2,
      'INVALID_ATTRIBUTE',
      'Wait@minSilence: 2000 ms is not shorter than length (2 s): the wait always lasts length',
    );
    const w3 = warnings('<Response><Wait length="5" silence="true" beep="true"/></Response>');
    only(
      w3,
      'INVALID_ATTRIBUTE',
      'Wait@beep: ignored: silence and beep are mutually exclusive, silence wins',
    );
    assert.deepEqual(
      warnings('<Response><Wait length="5" silence="true" minSilence="1000"/></Response>'),
      [],
    );
  });

  test('text inside Wait is ignored with a warning', () => {
    only(
      warnings('<Response><Wait>5</Wait></Response>'),
      'INVALID_TEXT',
      'Wait: text content ignored (Wait takes no text)',
    );
  });
});

describe('Redirect', () => {
  test('defaults: method POST; URL from the text', () => {
    assert.deepEqual(verb('<Redirect>https://app.test/next</Redirect>', 'Redirect'), {
      verb: 'Redirect',
      method: 'POST',
      url: 'https://app.test/next',
      path: 'Response/Redirect[1]',
      line: 1,
      col: 11,
    });
    assert.equal(verb('<Redirect method="GET">https://app.test/next</Redirect>', 'Redirect').method, 'GET');
  });

  test('bad method, missing URL', () => {
    only(
      bodyErrors('<Redirect method="PUT">https://a.test/</Redirect>'),
      'INVALID_ATTRIBUTE',
      'Redirect@method: expected GET or POST, got "PUT"',
    );
    only(
      bodyErrors('<Redirect method="get">https://a.test/</Redirect>'),
      'INVALID_ATTRIBUTE',
      'Redirect@method: expected GET or POST, got "get"',
    );
    only(
      bodyErrors('<Redirect/>'),
      'INVALID_TEXT',
      'Redirect text: expected an absolute http(s) URL, got ""',
    );
  });
});

describe('Hangup', () => {
  test('defaults: no reason, no schedule', () => {
    assert.deepEqual(verb('<Hangup/>', 'Hangup'), {
      verb: 'Hangup',
      path: 'Response/Hangup[1]',
      line: 1,
      col: 11,
    });
    const v = verb('<Hangup reason="busy" schedule="30"/>', 'Hangup');
    assert.equal(v.reason, 'busy');
    assert.equal(v.schedule, 30);
  });

  test('unknown reason, zero schedule', () => {
    only(
      bodyErrors('<Hangup reason="declined"/>'),
      'INVALID_ATTRIBUTE',
      'Hangup@reason: expected one of rejected, busy, got "declined"',
    );
    only(
      bodyErrors('<Hangup schedule="0"/>'),
      'INVALID_ATTRIBUTE',
      'Hangup@schedule: expected an integer >= 1, got "0"',
    );
  });
});

describe('DTMF', () => {
  test('defaults: async true; digits with pauses', () => {
    const v = verb('<DTMF>12w34W#*</DTMF>', 'DTMF');
    assert.equal(v.async, true);
    assert.equal(v.digits, '12w34W#*');
    assert.equal(verb('<DTMF async="false">9</DTMF>', 'DTMF').async, false);
  });

  test('characters outside 0-9*#wW: the element is ignored with a warning (spec 2.13)', () => {
    const doc = valid('<Response><DTMF>12a3</DTMF><Hangup/></Response>');
    assert.deepEqual(
      doc.verbs.map((v) => v.verb),
      ['Hangup'],
    );
    only(
      warnings('<Response><DTMF>12a3</DTMF></Response>'),
      'IGNORED_ELEMENT',
      'DTMF: "12a3" has characters other than 0-9 * # w W; element ignored',
      'Response/DTMF[1]',
    );
  });

  test('empty DTMF is an error', () => {
    only(
      bodyErrors('<DTMF></DTMF>'),
      'INVALID_TEXT',
      'DTMF text: expected digits, *, # and w/W pauses, got ""',
    );
  });

  test('DTMF is top-level only', () => {
    only(
      bodyErrors('<Gather action="https://a.test/"><DTMF>1</DTMF></Gather>'),
      'NESTING',
      '<DTMF> is not allowed inside <Gather> (allowed there: Speak, Play, Wait)',
      'Response/Gather[1]/DTMF[1]',
    );
  });
});

describe('PreAnswer', () => {
  test('holds Speak, Play, Wait in order', () => {
    const v = verb(
      '<PreAnswer><Speak>a</Speak><Wait/><Play>https://x.test/a.mp3</Play></PreAnswer>',
      'PreAnswer',
    );
    assert.deepEqual(
      v.children.map((c) => [c.verb, c.path]),
      [
        ['Speak', 'Response/PreAnswer[1]/Speak[1]'],
        ['Wait', 'Response/PreAnswer[1]/Wait[1]'],
        ['Play', 'Response/PreAnswer[1]/Play[1]'],
      ],
    );
    assert.deepEqual(verb('<PreAnswer/>', 'PreAnswer').children, []);
  });

  test('other verbs inside are nesting errors', () => {
    only(
      bodyErrors('<PreAnswer><Gather action="https://a.test/"/></PreAnswer>'),
      'NESTING',
      '<Gather> is not allowed inside <PreAnswer> (allowed there: Speak, Play, Wait)',
      'Response/PreAnswer[1]/Gather[1]',
    );
  });
});

describe('Conference', () => {
  test('defaults: beep and startConferenceOnEnter true, maxParticipants 200, the rest off', () => {
    const v = verb('<Conference>Room 42</Conference>', 'Conference');
    assert.deepEqual(v, {
      verb: 'Conference',
      muted: false,
      beep: true,
      startConferenceOnEnter: true,
      endConferenceOnExit: false,
      maxParticipants: 200,
      waitMethod: 'POST',
      callbackMethod: 'POST',
      record: false,
      room: 'Room 42',
      path: 'Response/Conference[1]',
      line: 1,
      col: 11,
    });
  });

  test('invalid values and an empty room', () => {
    only(
      bodyErrors('<Conference maxParticipants="0">r</Conference>'),
      'INVALID_ATTRIBUTE',
      'Conference@maxParticipants: expected an integer >= 1, got "0"',
    );
    only(
      bodyErrors('<Conference waitSound="music.xml">r</Conference>'),
      'INVALID_ATTRIBUTE',
      'Conference@waitSound: expected an absolute http(s) URL, got "music.xml"',
    );
    only(
      bodyErrors('<Conference/>'),
      'INVALID_TEXT',
      'Conference text: expected a room name, got an empty element',
    );
  });
});

describe('Response', () => {
  test('an empty Response is a valid document with no verbs', () => {
    assert.deepEqual(valid('<Response/>'), { verbs: [] });
    assert.deepEqual(valid('<?xml version="1.0" encoding="UTF-8"?>\n<Response></Response>\n'), { verbs: [] });
  });

  test('Response nested in Response is a nesting error', () => {
    only(
      bodyErrors('<Response/>'),
      'NESTING',
      '<Response> is not allowed inside <Response> (allowed there: Speak, Play, Wait, Gather, Dial, Record, Conference, Redirect, Hangup, PreAnswer, DTMF, Stream, Refer)',
    );
  });
});
