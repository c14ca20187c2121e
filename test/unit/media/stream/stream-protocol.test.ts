import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FromAppMessageSchema, StartMessageSchema } from '../../../../schemas/stream/index.ts';
import { parseStreamContentType } from '../../../../src/media/stream/stream-format.ts';
import {
  extraHeadersField,
  MediaMessageWriter,
  parseAppMessage,
  plainPlayAudio,
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

  test('the plain playAudio reading gives what the schema gives, or leaves the message to it', () => {
    const contentTypes = [
      undefined,
      'audio/x-l16',
      'AUDIO/X-MULAW',
      'audio/x-l16;rate=16000',
      ' audio/x-l16 ; rate = 24000 ',
      'audio/wav',
      7,
      '',
    ];
    const rates = [undefined, 8000, 16000, 24000, 44100, '8000', 8000.5, null];
    const payloads = ['', 'AAAA', 'AAE=', 'AQ==', 'abc', 'ab$=', 5, undefined];
    const streamIds = [undefined, 's1', 3];
    let plain = 0;
    let cases = 0;
    for (const contentType of contentTypes)
      for (const sampleRate of rates)
        for (const payload of payloads)
          for (const streamId of streamIds) {
            const msg = {
              event: 'playAudio',
              streamId,
              media: { contentType, sampleRate, payload },
              extra: 1,
            };
            const value = JSON.parse(JSON.stringify(msg)) as Record<string, unknown>;
            const schema = FromAppMessageSchema.safeParse(value);
            const fast = plainPlayAudio(value);
            cases++;
            if (fast === undefined) continue;
            plain++;
            assert.ok(
              schema.success,
              `the schema refuses what the plain path took: ${JSON.stringify(value)}`,
            );
            assert.deepStrictEqual(fast, schema.data, JSON.stringify(value));
          }
    // The plain path takes the valid messages with a numeric rate or none.
    assert.ok(plain >= 3 * 5 * 4 * 2, `${plain} of ${cases} read the plain way`);
    const odd = { event: 'playAudio', media: { payload: 'AAAA', sampleRate: '16000' } };
    assert.equal(plainPlayAudio(odd), undefined, "a rate as a string is the schema's job");
    const r = parseAppMessage(JSON.stringify(odd));
    assert.ok(r.ok && r.message.event === 'playAudio' && r.message.media.sampleRate === 16000);
  });

  test('a media message is written exactly as JSON.stringify writes it', () => {
    const ids = ['s-1', 'quote"and\\back', 'ünï\u2028'];
    const extras = ['{}', JSON.stringify({ 'X-PH-a': 'b"c' })];
    for (const streamId of ids)
      for (const extra of extras) {
        const w = new MediaMessageWriter(streamId, extra);
        for (const [seq, track, ts, chunk, payload] of [
          [1, 'inbound', 1732450000123, 1, 'AAAA'],
          [99999, 'outbound', 0, 4242, ''],
        ] as const) {
          const expected = JSON.stringify({
            event: 'media',
            sequenceNumber: seq,
            streamId,
            media: { track, timestamp: String(ts), chunk, payload },
            extra_headers: extra,
          });
          assert.equal(w.write(seq, track, ts, chunk, payload), expected);
        }
      }
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
