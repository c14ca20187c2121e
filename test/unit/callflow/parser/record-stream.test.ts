import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bodyErrors, only, verb } from './parse-helpers.ts';

const ACTION = 'https://app.test/recording';

describe('Record', () => {
  test('documented defaults', () => {
    assert.deepEqual(verb(`<Record action="${ACTION}"/>`, 'Record'), {
      verb: 'Record',
      action: ACTION,
      method: 'POST',
      fileFormat: 'mp3',
      redirect: false,
      timeout: 60,
      maxLength: 60,
      playBeep: true,
      finishOnKey: '1234567890*#',
      recordSession: false,
      startOnDialAnswer: false,
      transcriptionType: 'auto',
      transcriptionMethod: 'POST',
      callbackMethod: 'POST',
      path: 'Response/Record[1]',
      line: 1,
      col: 11,
    });
  });

  test('attributes as written', () => {
    const v = verb(
      `<Record action="${ACTION}" method="GET" fileFormat="wav" redirect="true" timeout="5" maxLength="3600"
        playBeep="false" finishOnKey="#" recordSession="true" transcriptionType="hybrid"
        transcriptionUrl="https://app.test/t" transcriptionMethod="GET" callbackUrl="https://app.test/cb" callbackMethod="GET"/>`,
      'Record',
    );
    assert.deepEqual(
      [
        v.fileFormat,
        v.redirect,
        v.timeout,
        v.maxLength,
        v.playBeep,
        v.finishOnKey,
        v.recordSession,
        v.transcriptionType,
      ],
      ['wav', true, 5, 3600, false, '#', true, 'hybrid'],
    );
    assert.deepEqual(
      [v.transcriptionUrl, v.callbackUrl, v.transcriptionMethod],
      ['https://app.test/t', 'https://app.test/cb', 'GET'],
    );
    assert.equal(verb(`<Record action="${ACTION}" finishOnKey="none"/>`, 'Record').finishOnKey, '');
  });

  test('missing action, wrong format, bad numbers', () => {
    only(
      bodyErrors('<Record/>'),
      'MISSING_ATTRIBUTE',
      'Record@action: required attribute is missing',
      'Response/Record[1]',
    );
    only(
      bodyErrors(`<Record action="${ACTION}" fileFormat="ogg"/>`),
      'INVALID_ATTRIBUTE',
      'Record@fileFormat: expected one of mp3, wav, got "ogg"',
    );
    only(
      bodyErrors(`<Record action="${ACTION}" maxLength="0"/>`),
      'INVALID_ATTRIBUTE',
      'Record@maxLength: expected an integer >= 1, got "0"',
    );
    only(
      bodyErrors(`<Record action="${ACTION}" finishOnKey="1a"/>`),
      'INVALID_ATTRIBUTE',
      'Record@finishOnKey: expected keys among 0-9, * and #, "" or none, got "1a"',
    );
  });
});

describe('Stream', () => {
  test('documented defaults', () => {
    assert.deepEqual(verb('<Stream>wss://bot.test/ws</Stream>', 'Stream'), {
      verb: 'Stream',
      bidirectional: false,
      audioTrack: 'inbound',
      streamTimeout: 86400,
      statusCallbackMethod: 'POST',
      contentType: 'audio/x-l16;rate=8000',
      extraHeaders: {},
      keepCallAlive: false,
      maxRetries: 0,
      url: 'wss://bot.test/ws',
      path: 'Response/Stream[1]',
      line: 1,
      col: 11,
    });
  });

  test('attributes as written', () => {
    const v = verb(
      `<Stream bidirectional="true" keepCallAlive="true" streamTimeout="120" contentType="audio/x-mulaw;rate=8000"
        extraHeaders="tenant=acme,lang=en" statusCallbackUrl="https://app.test/s" statusCallbackMethod="GET" maxRetries="10">ws://127.0.0.1:9000/</Stream>`,
      'Stream',
    );
    assert.deepEqual(
      [v.bidirectional, v.keepCallAlive, v.streamTimeout, v.contentType, v.maxRetries, v.url],
      [true, true, 120, 'audio/x-mulaw;rate=8000', 10, 'ws://127.0.0.1:9000/'],
    );
    assert.deepEqual(v.extraHeaders, { tenant: 'acme', lang: 'en' });
    assert.equal(verb('<Stream audioTrack="both">wss://b.test/</Stream>', 'Stream').audioTrack, 'both');
  });

  test('an http URL, bad enums, ranges, header size', () => {
    only(
      bodyErrors('<Stream>https://bot.test/ws</Stream>'),
      'INVALID_TEXT',
      'Stream text: expected an absolute ws:// or wss:// URL, got "https://bot.test/ws"',
    );
    only(
      bodyErrors('<Stream contentType="audio/opus">wss://b.test/</Stream>'),
      'INVALID_ATTRIBUTE',
      'Stream@contentType: expected one of audio/x-l16;rate=8000, audio/x-l16;rate=16000, audio/x-l16;rate=24000, audio/x-mulaw;rate=8000, got "audio/opus"',
    );
    only(
      bodyErrors('<Stream maxRetries="11">wss://b.test/</Stream>'),
      'INVALID_ATTRIBUTE',
      'Stream@maxRetries: expected an integer 0-10, got "11"',
    );
    const big = Array.from({ length: 60 }, (_, i) => `key${i}=value${i}`).join(',');
    assert.ok(big.length > 512);
    const errs = bodyErrors(`<Stream extraHeaders="${big}">wss://b.test/</Stream>`);
    assert.equal(errs.length, 1);
    assert.match(
      errs[0].message,
      /^Stream@extraHeaders: expected k=v pairs separated by commas, letters and digits only \(<= 512\)/,
    );
  });

  test('bidirectional allows only the inbound track; keepCallAlive needs bidirectional', () => {
    only(
      bodyErrors('<Stream bidirectional="true" audioTrack="both">wss://b.test/</Stream>'),
      'INVALID_ATTRIBUTE',
      'Stream@audioTrack: must be "inbound" when bidirectional="true", got "both"',
      'Response/Stream[1]',
    );
    only(
      bodyErrors('<Stream keepCallAlive="true">wss://b.test/</Stream>'),
      'INVALID_ATTRIBUTE',
      'Stream@keepCallAlive: needs bidirectional="true"',
    );
  });
});
