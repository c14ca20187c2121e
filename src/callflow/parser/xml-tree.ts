import { XMLParser } from 'fast-xml-parser';
import { Locator } from './locate.ts';
import type { StartTag } from './prescan.ts';

/** One element of the document, attributes and text decoded, located in the source. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /**
   * Text content (text and CDATA pieces joined, entities decoded, trimmed). For `Speak` it is
   * the raw inner markup instead (SSML, entities not decoded): see ssml.ts.
   */
  text: string;
  /** `Response/Gather[2]/Speak[1]`: 1-based index among same-name siblings. */
  path: string;
  line: number;
  col: number;
}

/** fast-xml-parser's `preserveOrder` node: `{ Tag: [...children], ':@': {attrs} }` or `{ '#text': '...' }`. */
type FxpNode = Record<string, unknown>;

/** Elements whose content stays raw markup (Speak may hold SSML, spec 2.1). */
export const RAW_CONTENT = 'Speak';

// Entities are decoded here, not by fast-xml-parser: it leaves numeric references alone, and
// CDATA must stay literal. Order is preserved (verbs run in document order, spec 1.2).
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  allowBooleanAttributes: false,
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: true,
  processEntities: false,
  htmlEntities: false,
  cdataPropName: '#cdata',
  stopNodes: [`*.${RAW_CONTENT}`],
  ignoreDeclaration: true,
  ignorePiTags: true,
});

const ENTITY = /&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the predefined entities and character references (the pre-scan checked them). */
export function decodeEntities(s: string): string {
  if (s.indexOf('&') === -1) return s;
  return s.replace(ENTITY, (_m, ref: string) => {
    if (ref.charCodeAt(0) !== 35) return NAMED[ref];
    return String.fromCodePoint(
      ref.charCodeAt(1) === 120 ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1)),
    );
  });
}

const ATTR_WS = /[\t\n\r]/g;
const HAS_ATTR_WS = /[\t\n\r]/;
/** Object.prototype names that fast-xml-parser prefixes with "__" (its DANGEROUS_PROPERTY_NAMES). */
const RENAMED = new Set([
  'hasOwnProperty',
  'toString',
  'valueOf',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

/**
 * Parses well-formed XML (the pre-scan checked it) and returns the top-level elements with their
 * subtrees. Positions come from the pre-scan's start tags, matched in document order by name and
 * depth (SSML elements inside Speak are deeper, so they are skipped).
 */
export function buildTree(text: string, tags: readonly StartTag[]): XmlElement[] {
  const nodes = parser.parse(text) as FxpNode[];
  const locator = new Locator(text);
  let cursor = 0;

  const convert = (list: FxpNode[], depth: number, parentPath: string, out: XmlElement[]): string => {
    let ownText = '';
    let counts: Map<string, number> | undefined;
    for (const node of list) {
      if ('#text' in node) {
        ownText += decodeEntities(String(node['#text']));
        continue;
      }
      if ('#cdata' in node) {
        for (const piece of node['#cdata'] as FxpNode[]) ownText += String(piece['#text'] ?? '');
        continue;
      }
      let key = '';
      for (const k in node) {
        if (k !== ':@') {
          key = k;
          break;
        }
      }
      if (key === '') continue;
      // fast-xml-parser stores <toString> as "__toString": report and locate it as written.
      const name = key.startsWith('__') && RENAMED.has(key.slice(2)) ? key.slice(2) : key;
      let found = cursor;
      while (found < tags.length && (tags[found].depth !== depth || tags[found].name !== name)) found++;
      let at = { line: 0, col: 0 };
      if (found < tags.length) {
        // A name fast-xml-parser renamed (toString -> __toString) finds no tag: keep the cursor.
        at = locator.locate(tags[found].offset);
        cursor = found + 1;
      }
      let path = name;
      if (depth > 0) {
        counts ??= new Map();
        const index = (counts.get(name) ?? 0) + 1;
        counts.set(name, index);
        path = `${parentPath}/${name}[${index}]`;
      }
      // fast-xml-parser refuses __proto__/constructor/prototype and renames other Object.prototype
      // names, so a plain object is safe here.
      const attrs: Record<string, string> = {};
      const rawAttrs = node[':@'] as Record<string, unknown> | undefined;
      if (rawAttrs) {
        for (const key in rawAttrs) {
          let value = String(rawAttrs[key]);
          if (value.indexOf('&') !== -1 || HAS_ATTR_WS.test(value)) {
            // XML 1.0 section 3.3.3: literal tabs and newlines in attribute values read as spaces.
            value = decodeEntities(value.replace(ATTR_WS, ' '));
          }
          attrs[key] = value;
        }
      }
      const element: XmlElement = { name, attrs, children: [], text: '', path, line: at.line, col: at.col };
      const content = node[key] as FxpNode[];
      if (name === RAW_CONTENT && depth > 0) {
        element.text = content.length > 0 ? String(content[0]['#text'] ?? '') : '';
      } else {
        element.text = convert(content, depth + 1, path, element.children).trim();
      }
      out.push(element);
    }
    return ownText;
  };

  const roots: XmlElement[] = [];
  convert(nodes, 0, '', roots);
  return roots;
}
