import { XMLValidator } from 'fast-xml-parser';
import { VobizDocumentSchema } from '../../../schemas/xml/index.ts';
import { buildDocumentInput } from './document-input.ts';
import { Locator } from './locate.ts';
import { prescan } from './prescan.ts';
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_DEPTH,
  type ParseOptions,
  type ParseResult,
  sortProblems,
  type XmlProblem,
} from './problems.ts';
import { schemaProblems } from './schema-issues.ts';
import { buildTree, type XmlElement } from './xml-tree.ts';

export type { ParseOptions, ParseResult, XmlProblem, XmlProblemCode } from './problems.ts';

function fail(errors: XmlProblem[], warnings: XmlProblem[] = []): ParseResult {
  return { ok: false, errors: sortProblems(errors), warnings: sortProblems(warnings) };
}

/**
 * Parses and validates a VobizXML document (spec/vobizxml.md sections 1, 2, 4, Appendix A).
 *
 * Order, cheapest and most protective first: size on UTF-8 bytes; empty; a linear pre-scan
 * (DOCTYPE refused so no entity is ever declared, depth limit, start-tag positions,
 * well-formedness); on a syntax error, the fast-xml-parser validator words it with line:col;
 * the parse (order preserved, attributes as strings); one `<Response>` root; the element tree
 * to schema input (unknown elements, nesting, unknown attributes); the zod schemas (values,
 * defaults, cross-attribute rules). Every problem of the last two stages is collected.
 */
export function parseVobizXml(text: string, opts: ParseOptions = {}): ParseResult {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  const context = opts.context ?? 'call';

  // A UTF-8 encoding is never shorter than the UTF-16 length, so long strings fail unmeasured.
  if (text.length > maxBytes || (text.length * 3 > maxBytes && Buffer.byteLength(text, 'utf8') > maxBytes)) {
    const size = text.length > maxBytes ? `more than ${maxBytes}` : String(Buffer.byteLength(text, 'utf8'));
    return fail([
      { code: 'TOO_LARGE', message: `document is ${size} bytes; the limit is ${maxBytes} bytes` },
    ]);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (!/\S/.test(text)) return fail([{ code: 'EMPTY', message: 'document is empty' }]);

  const scan = prescan(text, maxDepth);
  if (scan.fatal) {
    const at = new Locator(text).locate(scan.fatal.offset);
    return fail([{ code: scan.fatal.code, message: scan.fatal.message, ...at }]);
  }
  if (scan.syntax) {
    // fast-xml-parser's validator words the error when it sees it (with line:col); a few
    // errors only the pre-scan catches (undefined entities, "<" or a bare "&" in attribute
    // values, text after the root) keep the pre-scan's wording. A well-formed document skips
    // the validator: the pre-scan's checks stand in for it at a fraction of its cost.
    const valid = XMLValidator.validate(text, { allowBooleanAttributes: false });
    // Its message for unclosed elements dumps the open-tag stack as JSON: the pre-scan's reads better.
    if (valid !== true && !valid.err.msg.startsWith("Invalid '[")) {
      const { msg, line, col } = valid.err;
      return fail([{ code: 'XML_SYNTAX', message: `XML syntax: ${shorten(msg)}`, line, col }]);
    }
    const at = new Locator(text).locate(scan.syntax.offset);
    return fail([{ code: 'XML_SYNTAX', message: scan.syntax.message, ...at }]);
  }

  let roots: XmlElement[];
  try {
    roots = buildTree(text, scan.tags);
  } catch (err) {
    // fast-xml-parser refuses attributes named __proto__, constructor or prototype (its
    // prototype pollution guard); the pre-scan already refused such element names.
    const message = (err as Error).message;
    const name = /"(__proto__|constructor|prototype)"/.exec(message)?.[1];
    if (name === undefined) return fail([{ code: 'XML_SYNTAX', message: `XML syntax: ${shorten(message)}` }]);
    const offset = text.search(new RegExp(`\\s${name}\\s*=`));
    const at = offset === -1 ? {} : new Locator(text).locate(offset + 1);
    return fail([
      { code: 'XML_SYNTAX', message: `XML syntax: attribute name ${name} is not allowed`, ...at },
    ]);
  }

  const rootProblem = checkRoot(roots);
  if (rootProblem) return fail([rootProblem]);
  const root = roots[0];

  const built = buildDocumentInput(root, context);
  const parsed = VobizDocumentSchema.safeParse(built.input);
  const errors = parsed.success
    ? built.errors
    : [...built.errors, ...schemaProblems(parsed.error.issues, built.input, built.written)];
  if (errors.length > 0 || !parsed.success) return fail(errors, built.warnings);
  return { ok: true, document: parsed.data, warnings: sortProblems(built.warnings) };
}

/** Validator messages quote the offending text, which may be huge. */
function shorten(msg: string): string {
  const flat = msg.replace(/\s+/g, ' ');
  return flat.length > 200 ? `${flat.slice(0, 197)}...` : flat;
}

/** Exactly one root, and it is `Response` (spec 1.1: zero or several is a parse error). */
function checkRoot(roots: XmlElement[]): XmlProblem | undefined {
  const where = (el: XmlElement) => ({ path: el.path, line: el.line, col: el.col });
  const other = roots.find((r) => r.name !== 'Response');
  if (other) {
    const html = other.name.toLowerCase() === 'html' ? ' (this is an HTML page, not VobizXML)' : '';
    return {
      code: 'ROOT',
      message: `the root element must be <Response>, found <${other.name}>${html}`,
      ...where(other),
    };
  }
  if (roots.length === 0) return { code: 'ROOT', message: 'no <Response> root element' };
  if (roots.length > 1) {
    return {
      code: 'ROOT',
      message: `a document has exactly one <Response> root, found ${roots.length}`,
      ...where(roots[1]),
    };
  }
  return undefined;
}
