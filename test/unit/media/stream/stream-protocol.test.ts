import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { FromAppMessageSchema, StartMessageSchema } from '../../../../schemas/stream/index.ts';
import { parseStreamContentType } from '../../../../src/media/stream/stream-format.ts';
import {
  extraHeadersField,
  MediaMessageWriter,
  parseAppMessage,
  plainPlayAudio,
  readPlayAudioFrame,
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

  test('a playAudio read from its bytes gives what the full path gives, or goes the full way', () => {
    // Mostly what agents send, with every kind of departure mixed in.
    const field = <T>(plain: T[], odd: T[]) =>
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom<T | undefined>(undefined, ...plain) },
        { weight: 1, arbitrary: fc.constantFrom(...odd) },
      );
    const frame = fc.record({
      event: fc.constantFrom('playAudio', 'playAudio', 'playAudio', 'checkpoint'),
      streamId: field([undefined, 's-1', 'ünï'], ['é"\\', 7, '\u0001']),
      media: fc.oneof(
        {
          weight: 9,
          arbitrary: fc.record({
            contentType: field(
              ['audio/x-l16', 'audio/x-mulaw;rate=8000', ' audio/x-l16 ; rate = 16000 '],
              ['audio/wav', 'é', 3],
            ),
            sampleRate: field([8000, 16000, 24000], [44100, 0, '8000', 8000.5, 1e21, -8000]),
            payload: fc.oneof(
              {
                weight: 5,
                arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('base64')),
              },
              { weight: 1, arbitrary: fc.constantFrom('abc', 'ab$=', 'QQ', '', 5) },
            ),
            extra: fc.constantFrom(undefined, undefined, undefined, 1),
          }),
        },
        { weight: 1, arbitrary: fc.constantFrom(undefined, 'x', null) },
      ),
      extra: fc.constantFrom(undefined, undefined, undefined, 'x'),
    });
    const layout = fc.constantFrom(0, 0, 0, 1, '\t', 'escape-slash', 'reorder', 'trailing', 'repeat');
    let fast = 0;
    fc.assert(
      fc.property(frame, layout, (value, how) => {
        let text =
          how === 'reorder'
            ? JSON.stringify(Object.fromEntries(Object.entries(value).reverse()))
            : JSON.stringify(value, null, typeof how === 'number' || how === '\t' ? how : undefined);
        if (how === 'escape-slash') text = text.replaceAll('/', '\\/');
        if (how === 'trailing') text += ' x';
        if (how === 'repeat') text = text.replace('{', '{"event":"playAudio",');
        const bytes = Buffer.from(text);
        const plain = readPlayAudioFrame(bytes, (n) => new Uint8Array(n));
        if (!plain) return;
        // The bytes way took it: the full way must take it too, with the same fields.
        const full = parseAppMessage(text);
        assert.ok(full.ok && full.message.event === 'playAudio', `only the bytes way took ${text}`);
        const media = full.message.media;
        assert.equal(plain.sampleRate, media.sampleRate, text);
        assert.deepEqual(plain.contentType, media.contentType, text);
        assert.deepEqual(Buffer.from(plain.payload), Buffer.from(media.payload, 'base64'), text);
        fast++;
      }),
      { numRuns: 3000 },
    );
    assert.ok(fast > 200, `${fast} of 3000 read from their bytes`);
    // What an agent usually sends is read from its bytes, whatever the order or spacing.
    for (const text of [
      '{"event":"playAudio","media":{"contentType":"audio/x-l16","sampleRate":8000,"payload":"AAAA"}}',
      '{ "media" : { "payload" : "AQ==" } ,\n "streamId":"s-1", "event": "playAudio" }\n',
    ])
      assert.ok(
        readPlayAudioFrame(Buffer.from(text), (n) => new Uint8Array(n)),
        text,
      );
  });

  test('a media message is written exactly as JSON.stringify writes it, in UTF-8', () => {
    const ids = ['s-1', 'quote"and\\back', 'ünï\u2028'];
    const extras = ['{}', JSON.stringify({ 'X-PH-a': 'b"c', é: '✓' })];
    const check = (
      w: MediaMessageWriter,
      streamId: string,
      extra: string,
      ...m: [number, 'inbound' | 'outbound', number, number, Uint8Array]
    ) => {
      const [seq, track, ts, chunk, bytes] = m;
      const expected = JSON.stringify({
        event: 'media',
        sequenceNumber: seq,
        streamId,
        media: { track, timestamp: String(ts), chunk, payload: Buffer.from(bytes).toString('base64') },
        extra_headers: extra,
      });
      assert.equal(w.write(seq, track, ts, chunk, bytes).toString('utf8'), expected);
    };
    for (const streamId of ids)
      for (const extra of extras) {
        const w = new MediaMessageWriter(streamId, extra);
        check(w, streamId, extra, 1, 'inbound', 1732450000123, 1, new Uint8Array([0, 1, 2, 255]));
        check(w, streamId, extra, 99999, 'outbound', 0, 4242, new Uint8Array(0));
        check(w, streamId, extra, 10, 'inbound', 1.5, 9, new Uint8Array(320).fill(7));
      }
    const w = new MediaMessageWriter('s', '{}');
    fc.assert(
      fc.property(
        fc.nat(),
        fc.constantFrom('inbound' as const, 'outbound' as const),
        fc.oneof(fc.maxSafeNat(), fc.double({ noNaN: true })),
        fc.nat(),
        fc.uint8Array({ maxLength: 960 }),
        (seq, track, ts, chunk, bytes) => check(w, 's', '{}', seq, track, ts, chunk, bytes),
      ),
      { numRuns: 300 },
    );
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
