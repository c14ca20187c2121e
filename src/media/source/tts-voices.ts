/** The two voices of the dialect (vobizxml.md 2.1). */
export type TtsVoice = 'WOMAN' | 'MAN';

export interface ResolvedVoice {
  /** An espeak-ng voice name as `espeak-ng --voices` lists it (`en-us`, `pt-br` ...). */
  espeakVoice: string;
  /** An espeak-ng variant (`espeak-ng --voices=variant`), appended as `<voice>+<variant>`. */
  variant: string;
  /** The dialect language code actually used (`en-US` ...). */
  language: string;
  /** The dialect voice actually used. */
  voice: TtsVoice;
  /** True when the result differs from the request: unknown language, unknown voice name, or a voice the language lacks. */
  fellBack: boolean;
}

interface LanguageEntry {
  espeakVoice: string;
  woman: boolean;
  man: boolean;
}

export const DEFAULT_TTS_LANGUAGE = 'en-US';
export const DEFAULT_TTS_VOICE: TtsVoice = 'WOMAN';

/**
 * Language/voice availability of vobizxml.md 2.1, mapped to espeak-ng 1.51 voices. espeak-ng
 * has no Australian English nor Canadian French: en-AU uses the British voice and fr-CA the
 * French one, the nearest it has.
 */
const LANGUAGES: Readonly<Record<string, LanguageEntry>> = {
  'da-DK': { espeakVoice: 'da', woman: true, man: false },
  'nl-NL': { espeakVoice: 'nl', woman: true, man: true },
  'en-AU': { espeakVoice: 'en-gb', woman: true, man: true },
  'en-GB': { espeakVoice: 'en-gb', woman: true, man: true },
  'en-US': { espeakVoice: 'en-us', woman: true, man: true },
  'fr-FR': { espeakVoice: 'fr-fr', woman: true, man: true },
  'fr-CA': { espeakVoice: 'fr-fr', woman: true, man: false },
  'de-DE': { espeakVoice: 'de', woman: true, man: true },
  'it-IT': { espeakVoice: 'it', woman: true, man: true },
  'pl-PL': { espeakVoice: 'pl', woman: true, man: true },
  'pt-PT': { espeakVoice: 'pt', woman: false, man: true },
  'pt-BR': { espeakVoice: 'pt-br', woman: true, man: true },
  'ru-RU': { espeakVoice: 'ru', woman: true, man: false },
  'es-ES': { espeakVoice: 'es', woman: true, man: true },
  'es-US': { espeakVoice: 'es-419', woman: true, man: true },
  'sv-SE': { espeakVoice: 'sv', woman: true, man: false },
};

/** The language codes of the table, in its order. */
export const TTS_LANGUAGES: readonly string[] = Object.keys(LANGUAGES);

/** Lower-cased code (`_` read as `-`) -> the table's spelling. */
const BY_LOWER = new Map(TTS_LANGUAGES.map((code) => [code.toLowerCase(), code]));

const VARIANTS: Readonly<Record<TtsVoice, string>> = { WOMAN: 'f3', MAN: 'm3' };

/**
 * Maps a `<Speak>` voice and language to an espeak-ng voice. Pure.
 *
 * - Language: matched case-insensitively; missing -> en-US; unknown -> en-US with `fellBack`.
 * - Voice: WOMAN or MAN (any case); missing -> WOMAN. `Polly.<Name>` values (Amazon Polly
 *   names in the old docs' SSML examples, 2.1) have no espeak-ng counterpart and become WOMAN,
 *   as does any other unknown name; both set `fellBack`.
 * - A voice the language lacks (pt-PT WOMAN, ru-RU MAN ...) becomes the one it has, as Vobiz
 *   does (2.1 "Behaviour details", section 4), and sets `fellBack`.
 */
export function resolveVoice(voice?: string, language?: string): ResolvedVoice {
  let fellBack = false;

  let code = DEFAULT_TTS_LANGUAGE;
  if (language !== undefined && language.trim() !== '') {
    const known = BY_LOWER.get(language.trim().replace(/_/g, '-').toLowerCase());
    if (known === undefined) fellBack = true;
    else code = known;
  }
  const entry = LANGUAGES[code];

  let wanted: TtsVoice = DEFAULT_TTS_VOICE;
  if (voice !== undefined && voice.trim() !== '') {
    const upper = voice.trim().toUpperCase();
    if (upper === 'WOMAN' || upper === 'MAN') wanted = upper;
    else fellBack = true;
  }

  let used = wanted;
  if (wanted === 'WOMAN' && !entry.woman) used = 'MAN';
  else if (wanted === 'MAN' && !entry.man) used = 'WOMAN';
  if (used !== wanted) fellBack = true;

  return { espeakVoice: entry.espeakVoice, variant: VARIANTS[used], language: code, voice: used, fellBack };
}
