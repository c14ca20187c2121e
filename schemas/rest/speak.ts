import { z } from 'zod';
import type { SpeakRequest } from '../../src/callflow/call-control.ts';
import { bool, expected, httpUrl, legs, method, opt, pattern, withDefault } from './codecs.ts';

/** The 29 languages of spec 3.2. */
export const SPEAK_LANGUAGES = [
  'arb',
  'cmn-CN',
  'da-DK',
  'nl-NL',
  'en-AU',
  'en-IN',
  'en-GB',
  'en-US',
  'en-GB-WLS',
  'fr-FR',
  'fr-CA',
  'de-DE',
  'hi-IN',
  'is-IS',
  'it-IT',
  'ja-JP',
  'ko-KR',
  'nb-NO',
  'pl-PL',
  'pt-BR',
  'pt-PT',
  'ro-RO',
  'ru-RU',
  'es-ES',
  'es-US',
  'sv-SE',
  'tr-TR',
  'cy-GB',
  'yue-CN',
] as const;

/** POST /Account/{auth_id}/Call/{call_uuid}/Speak/ (spec 3.2). */
export const SpeakBody = z
  .object({
    text: z
      .string({ error: expected('text') })
      .trim()
      .min(1, { error: 'must not be empty' })
      .max(5000, { error: 'at most 5000 characters' }),
    // WOMAN, MAN, Polly (spec 3.2); `Polly.<Name>` as in the XML dialect. A MAN voice that a
    // language lacks falls back to WOMAN in the engine, as the spec says.
    voice: withDefault(pattern(/^(WOMAN|MAN|Polly(\.[A-Za-z0-9-]+)?)$/, 'WOMAN, MAN or Polly', 64), 'WOMAN'),
    language: withDefault(z.enum(SPEAK_LANGUAGES, { error: expected('a supported language code') }), 'en-US'),
    legs: legs(),
    loop: withDefault(bool(), false),
    mix: withDefault(bool(), true),
    // Plivo's `type` and `callback_url` (spec 3.2, unconfirmed on Vobiz): accepted, not used.
    type: opt(z.string()),
    callback_url: opt(httpUrl()),
    callback_method: method(),
  })
  .transform(
    (b): SpeakRequest => ({
      text: b.text,
      voice: b.voice,
      language: b.language,
      legs: b.legs,
      loop: b.loop,
      mix: b.mix,
    }),
  );
