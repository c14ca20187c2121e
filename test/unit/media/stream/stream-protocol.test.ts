import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FromAppMessageSchema, StartMessageSchema } from '../../../../schemas/stream/index.ts';
import { parseStreamContentType } from '../../../../src/media/stream/stream-format.ts';
import {
  extraHeadersField,
  parseAppMessage,
  startMessage,
  tracksOf,
} from '../../../../src/media/stream/stream-protocol.ts';

const problem = (text: string) => {
  const r = parseAppMessage(text);
  return r.ok ? 'ok' : r.problem;
};

describe('Stream messages from the application (spec 3.3)', () => {
  test('the documented shapes and the recorded variants are accepted', () => {
    const r = parseAppMessage(
      JSON.stringify({
        event: 'playAudio',
        media: { contentType: 'audio/x-l16', sampleRate: 16000, payload: 'AAAA' },
      }),
    );
    assert.ok(r.ok);
    assert.deepEqual(r.message, {
      event: 'playAudio',
      media: { contentType: { encoding: 'audio/x-l16' }, sampleRate: 16000, payload: 'AAAA' },
    });
    const v = FromAppMessageSchema.parse({
      event: 'playAudio',
      streamId: 's',
      media: { contentType: 'audio/x-mulaw;rate=8000', sampleRate: '8000', payload: '' },
    });
    assert.deepEqual(v, {
      event: 'playAudio',
      streamId: 's',
      media: { contentType: { encoding: 'audio/x-mulaw', rate: 8000 }, sampleRate: 8000, payload: '' },
    });
    assert.equal(problem('{"event":"checkpoint","streamId":"s","name":"n"}'), 'ok');
    assert.equal(problem('{"event":"checkpoint","name":"n"}'), 'ok', 'streamId optional');
    assert.equal(problem('{"event":"clearAudio","streamId":"s"}'), 'ok');
    assert.equal(problem('{"event":"clearAudio"}'), 'ok');
    assert.equal(problem('{"event":"stop","streamId":"s","extra":1}'), 'ok', 'unknown fields ignored');
  });

  test('garbage is classified, never thrown', () => {
    assert.equal(problem('{oops'), 'not-json');
    assert.equal(problem(''), 'not-json');
    assert.equal(problem('42'), 'bad-message');
    assert.equal(problem('null'), 'bad-message');
    assert.equal(problem('[]'), 'bad-message');
    assert.equal(problem('{"no":"event"}'), 'bad-message');
    assert.equal(problem('{"event":"sendDTMF"}'), 'unknown-event');
    assert.equal(problem('{"event":"checkpoint"}'), 'bad-message');
    assert.equal(problem('{"event":"checkpoint","name":""}'), 'bad-message');
    assert.equal(problem('{"event":"playAudio","media":{"payload":"ab$="}}'), 'bad-base64');
    assert.equal(problem('{"event":"playAudio","media":{"payload":"abc"}}'), 'bad-base64', 'unpadded');
    assert.equal(problem('{"event":"playAudio","media":{"payload":5}}'), 'bad-message');
    assert.equal(
      problem('{"event":"playAudio","media":{"payload":"AAAA","sampleRate":11025}}'),
      'bad-message',
    );
    assert.equal(
      problem('{"event":"playAudio","media":{"payload":"AAAA","contentType":"audio/wav"}}'),
      'bad-message',
    );
    assert.equal(problem('{"event":"playAudio"}'), 'bad-message');
  });
});

describe('Stream messages to the application (spec 3.2)', () => {
  test('start has the ids under start and the extra headers as a JSON string', () => {
    const m = startMessage({
      callId: 'c',
      streamId: 's',
      accountId: 'a',
      tracks: tracksOf('both'),
      format: parseStreamContentType('audio/x-mulaw;rate=8000'),
      extraHeaders: extraHeadersField({}),
    });
    assert.deepEqual(StartMessageSchema.parse(m), m);
    assert.deepEqual(m.start.tracks, ['inbound', 'outbound']);
    assert.deepEqual(m.start.mediaFormat, { encoding: 'audio/x-mulaw', sampleRate: 8000 });
    assert.equal(m.extra_headers, '{}');
    assert.deepEqual(tracksOf('outbound'), ['outbound']);
  });
});
