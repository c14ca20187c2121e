import type { XmlProblemCode } from './problems.ts';

/** A start tag found by the pre-scan: element name, offset of its `<`, depth (root = 0). */
export interface StartTag {
  name: string;
  offset: number;
  depth: number;
}

export interface PrescanProblem {
  code: XmlProblemCode;
  message: string;
  offset: number;
}

export interface PrescanResult {
  /** Every start tag in document order (comments, CDATA and processing instructions skipped). */
  tags: StartTag[];
  /** Stops the parse before fast-xml-parser runs: DOCTYPE, TOO_DEEP, a reserved element name. */
  fatal?: PrescanProblem;
  /** The first well-formedness error (XML 1.0), if any. */
  syntax?: PrescanProblem;
}

/** The five predefined entities and numeric character references (XML 1.0 section 4.1). */
const REFERENCE = /&(?:amp|lt|gt|quot|apos|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));/y;
/** XML 1.0 Name, approximately (all of U+00C0..U+FFFF is let through). */
const NAME = /^[A-Za-z_:\u00C0-\uFFFF][A-Za-z0-9_:.\u00B7\u00C0-\uFFFF-]*$/;
/** Names fast-xml-parser refuses (prototype pollution guard); they are no VobizXML names either. */
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
const HTML_DOCTYPE = /^<!DOCTYPE\s+html[\s>]/i;

const GT = 62;
const SLASH = 47;
const BANG = 33;
const QUESTION = 63;
const DQUOTE = 34;
const SQUOTE = 39;
const EQUALS = 61;

/** XML 1.0 `Char` production, for numeric character references. */
function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x9 || c === 0xa || c === 0xd;
}

/** Ends a tag or attribute name. */
function isNameEnd(c: number): boolean {
  return isSpace(c) || c === SLASH || c === GT || c === EQUALS || c === DQUOTE || c === SQUOTE;
}

/**
 * One linear pass over the text, before fast-xml-parser sees it (it jumps with indexOf and
 * never recurses, so a 10 MB or 10,000-deep document costs one scan at most):
 * - refuses `<!DOCTYPE` and every other `<!` declaration, so no entity can be declared (no
 *   XXE, no billion laughs);
 * - enforces the depth limit;
 * - records where each start tag is, for line:col;
 * - checks well-formedness (XML 1.0): names, quoted attributes without `<`, no duplicate
 *   attribute, matching end tags, references limited to the five entities and &#N;, nothing
 *   but comments and PIs outside the root, the XML declaration first.
 */
export function prescan(text: string, maxDepth: number): PrescanResult {
  const tags: StartTag[] = [];
  const open: StartTag[] = [];
  const n = text.length;
  let syntax: PrescanProblem | undefined;
  let rootSeen = false;
  let i = 0;

  const bad = (message: string, offset: number) => {
    if (!syntax) syntax = { code: 'XML_SYNTAX', message: `XML syntax: ${message}`, offset };
  };

  // Next '&' at or after the last checked range; ranges come in document order, so following
  // it (rather than searching from each range's start) keeps the whole scan linear.
  let nextAmp = text.indexOf('&');
  // Same for '<' inside attribute values (a tag with thousands of attributes stays linear).
  let nextLt = 0;

  /** Every `&` in [start, end) must begin a predefined entity or a valid character reference. */
  const checkReferences = (start: number, end: number) => {
    if (nextAmp !== -1 && nextAmp < start) nextAmp = text.indexOf('&', start);
    for (; nextAmp !== -1 && nextAmp < end; nextAmp = text.indexOf('&', nextAmp + 1)) {
      const p = nextAmp;
      REFERENCE.lastIndex = p;
      const m = REFERENCE.exec(text);
      if (!m) {
        const name = /^&([A-Za-z_][\w.-]*);/.exec(text.slice(p, p + 40));
        bad(
          name
            ? `undefined entity &${name[1]}; (only &amp; &lt; &gt; &quot; &apos; and &#N; exist)`
            : '"&" must be escaped as &amp;',
          p,
        );
        return;
      }
      if (m[1] !== undefined || m[2] !== undefined) {
        const cp = m[1] !== undefined ? Number(m[1]) : Number.parseInt(m[2], 16);
        if (!isXmlChar(cp)) {
          bad(`character reference ${m[0]} is not a valid XML character`, p);
          return;
        }
      }
    }
  };

  while (i < n) {
    const lt = text.indexOf('<', i);
    const end = lt === -1 ? n : lt;
    if (end > i && !syntax) {
      if (open.length === 0) {
        const at = text.slice(i, end).search(/\S/);
        if (at !== -1) bad(rootSeen ? 'text after the root element' : 'text before the root element', i + at);
      } else checkReferences(i, end);
    }
    if (lt === -1) break;
    const c = text.charCodeAt(lt + 1);

    if (c === BANG) {
      if (text.startsWith('<!--', lt)) {
        const close = text.indexOf('-->', lt + 4);
        if (close === -1) {
          bad('comment not closed', lt);
          break;
        }
        i = close + 3;
        continue;
      }
      if (text.startsWith('<![CDATA[', lt)) {
        const close = text.indexOf(']]>', lt + 9);
        if (close === -1) {
          bad('CDATA section not closed', lt);
          break;
        }
        if (open.length === 0) bad('CDATA outside the root element', lt);
        i = close + 3;
        continue;
      }
      if (HTML_DOCTYPE.test(text.slice(lt, lt + 20))) {
        // An error page served instead of XML: say so rather than talk about DTDs.
        const message = 'this is an HTML page, not VobizXML: expected a <Response> root';
        return { tags, fatal: { code: 'ROOT', message, offset: lt } };
      }
      const message =
        'DOCTYPE and other <! declarations are not allowed in VobizXML (no DTDs or custom entities)';
      return { tags, fatal: { code: 'DOCTYPE', message, offset: lt } };
    }

    if (c === QUESTION) {
      const close = text.indexOf('?>', lt + 2);
      if (close === -1) {
        bad('processing instruction not closed', lt);
        break;
      }
      if (lt > 0 && /^<\?xml[\s?]/i.test(text.slice(lt, lt + 6)))
        bad('the XML declaration must come first', lt);
      i = close + 2;
      continue;
    }

    if (c === SLASH) {
      const close = text.indexOf('>', lt + 2);
      if (close === -1) {
        bad('end tag not closed', lt);
        break;
      }
      const name = text.slice(lt + 2, close).trimEnd();
      const top = open.pop();
      if (!top) bad(`end tag </${name}> without a start tag`, lt);
      else if (top.name !== name) bad(`end tag </${name}> does not match <${top.name}>`, lt);
      i = close + 1;
      continue;
    }

    // A start tag: the name, then name="value" attributes up to '>' or '/>'.
    let k = lt + 1;
    while (k < n && !isNameEnd(text.charCodeAt(k))) k++;
    const name = text.slice(lt + 1, k);
    if (!NAME.test(name))
      bad(name === '' ? '"<" must be escaped as &lt;' : `invalid element name <${name}>`, lt);
    let closed = false;
    let selfClosing = false;
    let attrs: Set<string> | undefined;
    while (k < n) {
      const spaceStart = k;
      while (k < n && isSpace(text.charCodeAt(k))) k++;
      const ch = text.charCodeAt(k);
      if (ch === GT) {
        closed = true;
        k++;
        break;
      }
      if (ch === SLASH && text.charCodeAt(k + 1) === GT) {
        closed = selfClosing = true;
        k += 2;
        break;
      }
      if (k >= n) break;
      // An attribute: Name S? '=' S? quoted value.
      const nameStart = k;
      while (k < n && !isNameEnd(text.charCodeAt(k))) k++;
      const attr = text.slice(nameStart, k);
      if (spaceStart === nameStart || !NAME.test(attr)) {
        bad(`malformed attributes in <${name}>`, nameStart);
        const gt = text.indexOf('>', k);
        if (gt === -1) break;
        closed = true;
        selfClosing = text.charCodeAt(gt - 1) === SLASH;
        k = gt + 1;
        break;
      }
      while (k < n && isSpace(text.charCodeAt(k))) k++;
      if (text.charCodeAt(k) !== EQUALS) {
        bad(`attribute ${attr} of <${name}> has no value`, nameStart);
        continue;
      }
      k++;
      while (k < n && isSpace(text.charCodeAt(k))) k++;
      const quote = text.charCodeAt(k);
      if (quote !== DQUOTE && quote !== SQUOTE) {
        bad(`the value of ${attr} in <${name}> must be quoted`, nameStart);
        continue;
      }
      const q = text.indexOf(quote === DQUOTE ? '"' : "'", k + 1);
      if (q === -1) break;
      if (!syntax) {
        if (nextLt !== -1 && nextLt <= k) nextLt = text.indexOf('<', k + 1);
        if (nextLt !== -1 && nextLt < q) bad('"<" in an attribute value must be written &lt;', nextLt);
        else checkReferences(k + 1, q);
        attrs ??= new Set();
        if (attrs.has(attr)) bad(`attribute ${attr} is repeated in <${name}>`, nameStart);
        attrs.add(attr);
      }
      k = q + 1;
    }
    if (!closed) {
      bad(`tag <${name}> not closed`, lt);
      break;
    }
    if (RESERVED_NAMES.has(name)) {
      return {
        tags,
        fatal: { code: 'UNKNOWN_ELEMENT', message: `<${name}> is not a VobizXML element`, offset: lt },
      };
    }
    const depth = open.length;
    if (depth + 1 > maxDepth) {
      const message = `elements are nested more than ${maxDepth} levels deep`;
      return { tags, fatal: { code: 'TOO_DEEP', message, offset: lt } };
    }
    const tag = { name, offset: lt, depth };
    tags.push(tag);
    if (depth === 0) rootSeen = true;
    if (!selfClosing) open.push(tag);
    i = k;
  }
  if (open.length > 0) bad(`<${open[open.length - 1].name}> is not closed`, open[open.length - 1].offset);
  return syntax ? { tags, syntax } : { tags };
}
