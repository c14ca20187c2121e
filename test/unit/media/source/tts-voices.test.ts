import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { resolveVoice, TTS_LANGUAGES } from '../../../../src/media/source/tts-voices.ts';

test('defaults: en-US WOMAN on the American voice with a female variant', () => {
  assert.deepEqual(resolveVoice(), {
    espeakVoice: 'en-us',
    variant: 'f3',
    language: 'en-US',
    voice: 'WOMAN',
    fellBack: false,
  });
  assert.deepEqual(resolveVoice('', '  '), resolveVoice());
});

test('MAN selects the male variant', () => {
  const r = resolveVoice('MAN', 'en-GB');
  assert.equal(r.espeakVoice, 'en-gb');
  assert.equal(r.variant, 'm3');
  assert.equal(r.voice, 'MAN');
  assert.equal(r.fellBack, false);
});

test('every language of the spec table maps to its espeak-ng voice', () => {
  const expected: Record<string, string> = {
    'da-DK': 'da',
    'nl-NL': 'nl',
    'en-AU': 'en-gb',
    'en-GB': 'en-gb',
    'en-US': 'en-us',
    'fr-FR': 'fr-fr',
    'fr-CA': 'fr-fr',
    'de-DE': 'de',
    'it-IT': 'it',
    'pl-PL': 'pl',
    'pt-PT': 'pt',
    'pt-BR': 'pt-br',
    'ru-RU': 'ru',
    'es-ES': 'es',
    'es-US': 'es-419',
    'sv-SE': 'sv',
  };
  assert.deepEqual([...TTS_LANGUAGES].sort(), Object.keys(expected).sort());
  for (const [code, voice] of Object.entries(expected)) {
    const r = resolveVoice('WOMAN', code);
    assert.equal(r.espeakVoice, voice, code);
    assert.equal(r.language, code);
  }
});

test('a voice the language lacks falls back to the one it has (spec 2.1)', () => {
  for (const code of ['da-DK', 'fr-CA', 'ru-RU', 'sv-SE']) {
    const r = resolveVoice('MAN', code);
    assert.equal(r.voice, 'WOMAN', code);
    assert.equal(r.variant, 'f3', code);
    assert.equal(r.fellBack, true, code);
    assert.equal(resolveVoice('WOMAN', code).fellBack, false, code);
  }
  const pt = resolveVoice('WOMAN', 'pt-PT');
  assert.equal(pt.voice, 'MAN');
  assert.equal(pt.variant, 'm3');
  assert.equal(pt.fellBack, true);
  assert.equal(resolveVoice(undefined, 'pt-PT').voice, 'MAN', 'the default voice falls back too');
  assert.equal(resolveVoice('MAN', 'pt-PT').fellBack, false);
});

test('an unknown language falls back to en-US and says so', () => {
  for (const code of ['xx-YY', 'en', 'ja-JP', 'fr-BE']) {
    const r = resolveVoice('MAN', code);
    assert.equal(r.language, 'en-US', code);
    assert.equal(r.espeakVoice, 'en-us', code);
    assert.equal(r.voice, 'MAN', code);
    assert.equal(r.fellBack, true, code);
  }
});

test('language codes and voices match case-insensitively, `_` read as `-`', () => {
  const r = resolveVoice('man', 'pt_br');
  assert.equal(r.language, 'pt-BR');
  assert.equal(r.voice, 'MAN');
  assert.equal(r.fellBack, false);
  assert.equal(resolveVoice('Woman', 'DE-de').language, 'de-DE');
});

test('Polly.* and other unknown voice names become WOMAN with fellBack', () => {
  for (const name of ['Polly.Amy', 'Polly.Matthew', 'CHILD']) {
    const r = resolveVoice(name, 'en-GB');
    assert.equal(r.voice, 'WOMAN', name);
    assert.equal(r.variant, 'f3', name);
    assert.equal(r.language, 'en-GB', name);
    assert.equal(r.fellBack, true, name);
  }
  assert.equal(resolveVoice('Polly.Amy', 'pt-PT').voice, 'MAN', 'then the language rule still applies');
});

const espeak = spawnSync('espeak-ng', ['--voices'], { encoding: 'utf8' });
test('the mapped voices and variants exist in the installed espeak-ng', {
  skip: espeak.status === 0 ? false : 'espeak-ng not installed (Debian package espeak-ng)',
}, () => {
  const names = new Set(espeak.stdout.split('\n').map((line) => line.trim().split(/\s+/)[1]));
  for (const code of TTS_LANGUAGES) {
    const r = resolveVoice('WOMAN', code);
    assert.ok(names.has(r.espeakVoice), `${code} -> ${r.espeakVoice} is not an espeak-ng voice`);
  }
  const variants = spawnSync('espeak-ng', ['--voices=variant'], { encoding: 'utf8' }).stdout;
  for (const v of ['f3', 'm3']) assert.match(variants, new RegExp(`!v/${v}\\b`));
});
