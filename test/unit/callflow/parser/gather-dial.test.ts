import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bodyErrors, only, verb, warnings } from './parse-helpers.ts';

const ACTION = 'https://app.test/action';

describe('Gather', () => {
  test('documented defaults, plus the GetDigits extensions', () => {
    const v = verb(`<Gather action="${ACTION}"/>`, 'Gather');
    assert.deepEqual(v, {
      verb: 'Gather',
      action: ACTION,
      method: 'POST',
      inputType: 'dtmf',
      executionTimeout: 15,
      digitEndTimeout: 'auto',
      speechEndTimeout: 'auto',
      finishOnKey: '#',
      numDigits: 32,
      speechModel: 'default',
      language: 'en-US',
      interimSpeechResultsCallbackMethod: 'POST',
      log: true,
      redirect: true,
      profanityFilter: false,
      retries: 1,
      playBeep: false,
      prompts: [],
      path: 'Response/Gather[1]',
      line: 1,
      col: 11,
    });
  });

  test('every attribute as written', () => {
    const v = verb(
      `<Gather action="${ACTION}" method="GET" inputType="dtmf speech" executionTimeout="60" digitEndTimeout="2"
        speechEndTimeout="10" finishOnKey="*" numDigits="4" speechModel="phone_call" hints="sales, support"
        language="es-ES" interimSpeechResultsCallback="https://app.test/interim" interimSpeechResultsCallbackMethod="GET"
        log="false" redirect="false" profanityFilter="true" validDigits="123" retries="3"
        invalidDigitsSound="https://app.test/bad.mp3" playBeep="true"/>`,
      'Gather',
    );
    assert.equal(v.method, 'GET');
    assert.equal(v.inputType, 'dtmf speech');
    assert.equal(v.executionTimeout, 60);
    assert.equal(v.digitEndTimeout, 2);
    assert.equal(v.speechEndTimeout, 10);
    assert.equal(v.finishOnKey, '*');
    assert.equal(v.numDigits, 4);
    assert.equal(v.speechModel, 'phone_call');
    assert.equal(v.hints, 'sales, support');
    assert.equal(v.language, 'es-ES');
    assert.equal(v.interimSpeechResultsCallback, 'https://app.test/interim');
    assert.equal(v.interimSpeechResultsCallbackMethod, 'GET');
    assert.deepEqual([v.log, v.redirect, v.profanityFilter, v.playBeep], [false, false, true, true]);
    assert.equal(v.validDigits, '123');
    assert.equal(v.retries, 3);
    assert.equal(v.invalidDigitsSound, 'https://app.test/bad.mp3');
  });

  test('finishOnKey "" and "none" both mean no key', () => {
    assert.equal(verb(`<Gather action="${ACTION}" finishOnKey=""/>`, 'Gather').finishOnKey, '');
    assert.equal(verb(`<Gather action="${ACTION}" finishOnKey="none"/>`, 'Gather').finishOnKey, '');
    only(
      bodyErrors(`<Gather action="${ACTION}" finishOnKey="##"/>`),
      'INVALID_ATTRIBUTE',
      'Gather@finishOnKey: expected one of 0-9, *, #, "" or none, got "##"',
    );
  });

  test('prompts: Speak, Play and Wait in document order, with their paths', () => {
    const v = verb(
      `<Gather action="${ACTION}"><Speak>one</Speak><Wait length="2"/><Play>https://x.test/a.mp3</Play><Speak>two</Speak></Gather>`,
      'Gather',
    );
    assert.deepEqual(
      v.prompts.map((p) => [p.verb, p.path]),
      [
        ['Speak', 'Response/Gather[1]/Speak[1]'],
        ['Wait', 'Response/Gather[1]/Wait[1]'],
        ['Play', 'Response/Gather[1]/Play[1]'],
        ['Speak', 'Response/Gather[1]/Speak[2]'],
      ],
    );
  });

  test('missing action, out-of-range numDigits, wrong enum, bad timeouts', () => {
    only(
      bodyErrors('<Gather/>'),
      'MISSING_ATTRIBUTE',
      'Gather@action: required attribute is missing',
      'Response/Gather[1]',
    );
    only(
      bodyErrors(`<Gather action="${ACTION}" numDigits="40"/>`),
      'INVALID_ATTRIBUTE',
      'Gather@numDigits: expected an integer 1-32, got "40"',
      'Response/Gather[1]',
    );
    only(
      bodyErrors(`<Gather action="${ACTION}" numDigits="0"/>`),
      'INVALID_ATTRIBUTE',
      'Gather@numDigits: expected an integer 1-32, got "0"',
    );
    only(
      bodyErrors(`<Gather action="${ACTION}" inputType="voice"/>`),
      'INVALID_ATTRIBUTE',
      'Gather@inputType: expected one of dtmf, speech, dtmf speech, got "voice"',
    );
    only(
      bodyErrors(`<Gather action="${ACTION}" executionTimeout="4"/>`),
      'INVALID_ATTRIBUTE',
      'Gather@executionTimeout: expected an integer 5-60, got "4"',
    );
    only(
      bodyErrors(`<Gather action="${ACTION}" digitEndTimeout="11"/>`),
      'INVALID_ATTRIBUTE',
      'Gather@digitEndTimeout: expected an integer 2-10 or "auto", got "11"',
    );
    only(
      bodyErrors(`<Gather action="${ACTION}" speechEndTimeout="soon"/>`),
      'INVALID_ATTRIBUTE',
      'Gather@speechEndTimeout: expected an integer 2-10 or "auto", got "soon"',
    );
    only(
      bodyErrors(`<Gather action="${ACTION}" retries="0"/>`),
      'INVALID_ATTRIBUTE',
      'Gather@retries: expected an integer >= 1, got "0"',
    );
    only(
      bodyErrors(`<Gather action="${ACTION}" validDigits="12a"/>`),
      'INVALID_ATTRIBUTE',
      'Gather@validDigits: expected a set of keys among 0-9, * and #, got "12a"',
    );
    only(
      bodyErrors('<Gather action="menu.xml"/>'),
      'INVALID_ATTRIBUTE',
      'Gather@action: expected an absolute http(s) URL, got "menu.xml"',
    );
  });

  test('hints: phrases up to 100 characters, at most 500', () => {
    assert.equal(
      verb(`<Gather action="${ACTION}" hints="${'a'.repeat(100)}"/>`, 'Gather').hints?.length,
      100,
    );
    const long = bodyErrors(`<Gather action="${ACTION}" hints="ok,${'a'.repeat(101)}"/>`);
    assert.equal(long[0].code, 'INVALID_ATTRIBUTE');
    assert.match(long[0].message, /^Gather@hints: expected comma-separated phrases/);
    assert.equal(
      bodyErrors(`<Gather action="${ACTION}" hints="${'a,'.repeat(500)}a"/>`)[0].code,
      'INVALID_ATTRIBUTE',
    );
    assert.equal(bodyErrors(`<Gather action="${ACTION}" hints="a,,b"/>`)[0].code, 'INVALID_ATTRIBUTE');
  });

  test('timeout is read as executionTimeout with a warning; executionTimeout wins when both are set', () => {
    const xml = `<Response><Gather action="${ACTION}" timeout="10"/></Response>`;
    assert.equal(verb(`<Gather action="${ACTION}" timeout="10"/>`, 'Gather').executionTimeout, 10);
    only(
      warnings(xml),
      'UNKNOWN_ATTRIBUTE',
      'Gather@timeout: not a Gather attribute, read as executionTimeout',
    );
    assert.equal(
      verb(`<Gather action="${ACTION}" timeout="10" executionTimeout="20"/>`, 'Gather').executionTimeout,
      20,
    );
    // An invalid alias is reported under the name the customer wrote.
    only(
      bodyErrors(`<Gather action="${ACTION}" timeout="3"/>`),
      'INVALID_ATTRIBUTE',
      'Gather@timeout: expected an integer 5-60, got "3"',
    );
  });

  test('verbs other than Speak/Play/Wait inside Gather are nesting errors', () => {
    only(
      bodyErrors(
        `<Speak>x</Speak><Gather action="${ACTION}"/><Gather action="${ACTION}"><Record action="${ACTION}"/></Gather>`,
      ),
      'NESTING',
      '<Record> is not allowed inside <Gather> (allowed there: Speak, Play, Wait)',
      'Response/Gather[2]/Record[1]',
    );
  });
});

describe('Dial, Number, User', () => {
  test('documented defaults', () => {
    const v = verb('<Dial><Number>+14155550100</Number></Dial>', 'Dial');
    assert.deepEqual(v, {
      verb: 'Dial',
      method: 'POST',
      hangupOnStar: false,
      timeLimit: 14400,
      confirmTimeout: 120,
      dialMusic: 'real',
      callbackMethod: 'POST',
      redirect: true,
      digitsMatch: [],
      digitsMatchBLeg: [],
      sipHeaders: {},
      targets: [
        {
          kind: 'Number',
          number: '+14155550100',
          sendOnPreanswer: false,
          sipHeaders: {},
          path: 'Response/Dial[1]/Number[1]',
          line: 1,
          col: 17,
        },
      ],
      path: 'Response/Dial[1]',
      line: 1,
      col: 11,
    });
  });

  test('attributes as written; headers and digit patterns parsed', () => {
    const v = verb(
      `<Dial action="${ACTION}" method="GET" hangupOnStar="true" timeLimit="60" timeout="20" callerId="+14155550100"
         callerName="Acme Support" confirmSound="https://app.test/confirm" confirmKey="5" dialMusic="https://app.test/music"
         callbackUrl="https://app.test/cb" callbackMethod="GET" redirect="false" digitsMatch="123,*9#"
         digitsMatchBLeg="0" sipHeaders="Team=sales,Prio=1">
         <Number sendDigits="ww123" sendOnPreanswer="true" sipHeaders="a=1">14155550101</Number>
         <User sipHeaders="Agent=7">sip:alice@pbx.test</User>
       </Dial>`,
      'Dial',
    );
    assert.equal(v.timeLimit, 60);
    assert.equal(v.timeout, 20);
    assert.equal(v.callerName, 'Acme Support');
    assert.equal(v.confirmKey, '5');
    assert.equal(v.dialMusic, 'https://app.test/music');
    assert.deepEqual(v.digitsMatch, ['123', '*9#']);
    assert.deepEqual(v.digitsMatchBLeg, ['0']);
    assert.deepEqual(v.sipHeaders, { Team: 'sales', Prio: '1' });
    assert.equal(v.targets.length, 2);
    const [n, u] = v.targets;
    assert.ok(n.kind === 'Number' && u.kind === 'User');
    assert.deepEqual(
      [n.number, n.sendDigits, n.sendOnPreanswer, n.sipHeaders],
      ['14155550101', 'ww123', true, { a: '1' }],
    );
    assert.deepEqual(
      [u.uri, u.sipHeaders, u.path],
      ['sip:alice@pbx.test', { Agent: '7' }, 'Response/Dial[1]/User[1]'],
    );
  });

  test('timeLimit >= 86400 is capped at 86400; 0 is an error', () => {
    assert.equal(verb('<Dial timeLimit="100000">123</Dial>', 'Dial').timeLimit, 86400);
    assert.equal(verb('<Dial timeLimit="86400">123</Dial>', 'Dial').timeLimit, 86400);
    assert.equal(verb('<Dial timeLimit="86399">123</Dial>', 'Dial').timeLimit, 86399);
    only(
      bodyErrors('<Dial timeLimit="0">123</Dial>'),
      'INVALID_ATTRIBUTE',
      'Dial@timeLimit: expected an integer >= 1, got "0"',
    );
  });

  test('a bare number as text is one Number', () => {
    const v = verb('<Dial callerId="123"> 14155550100 </Dial>', 'Dial');
    assert.equal(v.targets.length, 1);
    assert.equal(v.targets[0].kind, 'Number');
    assert.equal(v.targets[0].kind === 'Number' && v.targets[0].number, '14155550100');
  });

  test('1 to 10 destinations', () => {
    only(
      bodyErrors('<Dial/>'),
      'NESTING',
      'Dial: needs at least one Number or User (or a phone number as text)',
      'Response/Dial[1]',
    );
    const ten = '<Number>1</Number>'.repeat(10);
    assert.equal(verb(`<Dial>${ten}</Dial>`, 'Dial').targets.length, 10);
    only(
      bodyErrors(`<Dial>${ten}<User>sip:a@b.test</User></Dial>`),
      'NESTING',
      'Dial: at most 10 destinations per Dial, got 11',
    );
    only(
      bodyErrors('<Dial>123<Number>456</Number></Dial>'),
      'INVALID_TEXT',
      'Dial: write either a phone number as text or Number/User children, not both',
    );
  });

  test('confirmKey requires confirmSound', () => {
    only(
      bodyErrors('<Dial confirmKey="1"><Number>1</Number></Dial>'),
      'MISSING_ATTRIBUTE',
      'Dial@confirmSound: required when confirmKey is set',
      'Response/Dial[1]',
    );
    only(
      bodyErrors('<Dial confirmKey="12" confirmSound="https://a.test/c"><Number>1</Number></Dial>'),
      'INVALID_ATTRIBUTE',
      'Dial@confirmKey: expected one of 0-9, * or #, got "12"',
    );
    const w = warnings(
      '<Response><Dial confirmTimeout="30" confirmSound="https://a.test/c" confirmKey="1"><Number>1</Number></Dial></Response>',
    );
    only(
      w,
      'INVALID_ATTRIBUTE',
      'Dial@confirmTimeout: ignored: confirmTimeout only applies without confirmKey',
    );
  });

  test('nested Record needs startOnDialAnswer="true"; at most one', () => {
    const v = verb(
      `<Dial><Number>1</Number><Record action="${ACTION}" startOnDialAnswer="true"/></Dial>`,
      'Dial',
    );
    assert.equal(v.record?.verb, 'Record');
    assert.equal(v.record?.startOnDialAnswer, true);
    assert.equal(v.record?.path, 'Response/Dial[1]/Record[1]');
    only(
      bodyErrors(`<Dial><Number>1</Number><Record action="${ACTION}"/></Dial>`),
      'MISSING_ATTRIBUTE',
      'Record@startOnDialAnswer: must be "true" for a Record inside Dial',
      'Response/Dial[1]/Record[1]',
    );
    const two = `<Record action="${ACTION}" startOnDialAnswer="true"/>`.repeat(2);
    only(
      bodyErrors(`<Dial><Number>1</Number>${two}</Dial>`),
      'NESTING',
      'Dial: at most one <Record> inside <Dial>',
    );
  });

  test('invalid values: headers, dialMusic, callerName, numbers, SIP URIs, nesting', () => {
    only(
      bodyErrors('<Dial sipHeaders="X-PH-a=1"><Number>1</Number></Dial>'),
      'INVALID_ATTRIBUTE',
      'Dial@sipHeaders: expected k=v pairs separated by commas, letters and digits only, got "X-PH-a=1"',
    );
    only(
      bodyErrors('<Dial dialMusic="fake"><Number>1</Number></Dial>'),
      'INVALID_ATTRIBUTE',
      'Dial@dialMusic: expected an absolute http(s) URL or "real", got "fake"',
    );
    const name51 = 'x'.repeat(51);
    only(
      bodyErrors(`<Dial callerName="${name51}"><Number>1</Number></Dial>`),
      'INVALID_ATTRIBUTE',
      `Dial@callerName: expected at most 50 characters, got "${name51}"`,
    );
    // Long values are shortened in messages.
    only(
      bodyErrors(`<Dial callerName="${'y'.repeat(100)}"><Number>1</Number></Dial>`),
      'INVALID_ATTRIBUTE',
      `Dial@callerName: expected at most 50 characters, got "${'y'.repeat(57)}..."`,
    );
    only(
      bodyErrors('<Dial digitsMatch="12,,3"><Number>1</Number></Dial>'),
      'INVALID_ATTRIBUTE',
      'Dial@digitsMatch: expected digit patterns separated by commas, like 123,456, got "12,,3"',
    );
    only(
      bodyErrors('<Dial><Number>call me</Number></Dial>'),
      'INVALID_TEXT',
      'Number text: expected a phone number (digits with country code, optional +), got "call me"',
      'Response/Dial[1]/Number[1]',
    );
    only(
      bodyErrors('<Dial><Number sendDigits="12x">1</Number></Dial>'),
      'INVALID_ATTRIBUTE',
      'Number@sendDigits: expected digits, *, # and w/W pauses, got "12x"',
    );
    only(
      bodyErrors('<Dial><User>alice@pbx.test</User></Dial>'),
      'INVALID_TEXT',
      'User text: expected a SIP URI like sip:alice@example.com, got "alice@pbx.test"',
      'Response/Dial[1]/User[1]',
    );
    only(
      bodyErrors('<Dial><Speak>hi</Speak><Number>1</Number></Dial>'),
      'NESTING',
      '<Speak> is not allowed inside <Dial> (allowed there: Number, User, Record)',
    );
    only(
      bodyErrors('<Number>1</Number>'),
      'NESTING',
      '<Number> is not allowed inside <Response> (allowed there: Speak, Play, Wait, Gather, Dial, Record, Conference, Redirect, Hangup, PreAnswer, DTMF, Stream, Refer)',
    );
  });
});
