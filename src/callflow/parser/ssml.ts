import { decodeEntities } from './xml-tree.ts';

/** Speak's content split into what is spoken and, when it held SSML elements, the markup itself. */
export interface SpeakContent {
  /** Tags stripped, entities decoded, whitespace collapsed. */
  text: string;
  /** The raw inner markup (trimmed) when it contained SSML elements; otherwise absent. */
  ssml?: string;
}

/** Comments, CDATA sections and tags, in the order they appear. */
const MARKUP =
  /<!--[\s\S]*?-->|<!\[CDATA\[([\s\S]*?)\]\]>|<\/?([A-Za-z_][\w:.-]*)(?:[^>"']|"[^"]*"|'[^']*')*>/g;
const WS = /\s+/g;
const BREAKS = new Set(['break', 'p', 's', 'mark']);

/**
 * Reads the raw inner markup of a `<Speak>` (spec 2.1: plain text or SSML such as `<break/>`,
 * `<prosody>`, `<say-as>`). An SSML tag becomes a word break; CDATA is taken literally.
 * Also returns the names of the elements met, so that the parser can refuse verbs inside Speak.
 */
export function readSpeakContent(raw: string): SpeakContent & { elements: string[] } {
  if (raw.indexOf('<') === -1) {
    return { text: decodeEntities(raw).replace(WS, ' ').trim(), elements: [] };
  }
  const elements: string[] = [];
  let text = '';
  let last = 0;
  MARKUP.lastIndex = 0;
  for (let m = MARKUP.exec(raw); m !== null; m = MARKUP.exec(raw)) {
    text += decodeEntities(raw.slice(last, m.index));
    if (m[1] !== undefined) text += m[1];
    else if (m[2] !== undefined) {
      // <break/>, <p>, <s> and other empty elements separate words; inline ones (<emphasis>,
      // <prosody>, <say-as>) wrap words and leave the text as written.
      if (BREAKS.has(m[2]) || m[0].charCodeAt(m[0].length - 2) === 47) text += ' ';
      if (m[0].charCodeAt(1) !== 47) elements.push(m[2]);
    }
    last = MARKUP.lastIndex;
  }
  text += decodeEntities(raw.slice(last));
  const content: SpeakContent & { elements: string[] } = { text: text.replace(WS, ' ').trim(), elements };
  if (elements.length > 0) content.ssml = raw.trim();
  return content;
}
