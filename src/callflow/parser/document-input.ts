import {
  DTMF_DIGITS,
  ELEMENTS,
  type ElementName,
  type ElementSpec,
  isElementName,
  SOUND_ELEMENTS,
} from '../../../schemas/xml/index.ts';
import type { XmlProblem, XmlProblemCode } from './problems.ts';
import { readSpeakContent } from './ssml.ts';
import type { XmlElement } from './xml-tree.ts';

/** The flat object a verb schema validates: attribute strings, text, children, location. */
export type ElementInput = Record<string, unknown>;

export interface DocumentInput {
  /** What `VobizDocumentSchema` parses. */
  input: { verbs: ElementInput[] };
  errors: XmlProblem[];
  warnings: XmlProblem[];
  /** Field -> attribute name as written, for inputs where an alias was read (Gather timeout). */
  written: Map<ElementInput, Record<string, string>>;
}

/** Names from neighbouring dialects, with what to write instead (spec 2.4.1, 2.7, 2.15). */
const FOREIGN = new Map<string, string>(
  Object.entries({
    GetDigits: 'use <Gather> (GetDigits is Plivo XML; Vobiz replaced it with Gather)',
    GetInput: 'use <Gather> (GetInput is Plivo XML; Vobiz replaced it with Gather)',
    AudioStream: 'use <Stream>',
    MultiPartyCall: 'use <Conference>',
    Say: 'use <Speak> (Say is TwiML)',
    Pause: 'use <Wait> (Pause is TwiML)',
    Sip: 'use <User> inside <Dial> (Sip is TwiML)',
    Client: 'use <User> inside <Dial> (Client is TwiML)',
    Reject: 'use <Hangup reason="rejected"> (Reject is TwiML)',
  }),
);

const LOWER_ELEMENTS = new Map(Object.keys(ELEMENTS).map((n) => [n.toLowerCase(), n]));

interface AttributeTable {
  known: Set<string>;
  lower: Map<string, string>;
}

const ATTRIBUTES = new Map<ElementName, AttributeTable>(
  Object.values(ELEMENTS).map((spec) => {
    const names = Object.keys(spec.attributes.shape);
    return [spec.name, { known: new Set(names), lower: new Map(names.map((a) => [a.toLowerCase(), a])) }];
  }),
);

/**
 * Turns the element tree into the input of `VobizDocumentSchema`, reporting what zod cannot
 * see: unknown elements (errors), nesting outside spec 2.0.1 (errors), unknown attributes
 * (warnings: the spec leaves them undocumented, Appendix A suggests leniency), DTMF with
 * invalid characters (ignored, spec 2.13), verbs other than Play/Speak/Wait in sound documents.
 */
export function buildDocumentInput(root: XmlElement, context: 'call' | 'sound'): DocumentInput {
  return new InputBuilder(context).document(root);
}

class InputBuilder {
  private readonly errors: XmlProblem[] = [];
  private readonly warnings: XmlProblem[] = [];
  private readonly written = new Map<ElementInput, Record<string, string>>();

  constructor(private readonly context: 'call' | 'sound') {}

  document(root: XmlElement): DocumentInput {
    const rootAttrs = ATTRIBUTES.get('Response') as AttributeTable;
    for (const key in root.attrs) {
      if (!rootAttrs.known.has(key)) {
        this.warn(
          'UNKNOWN_ATTRIBUTE',
          `Response@${key}: unknown attribute, ignored (Response has none)`,
          root,
        );
      }
    }
    if (root.text !== '') this.warn('INVALID_TEXT', 'Response: text content ignored', root);
    const verbs = this.children(root, 'Response');
    return { input: { verbs }, errors: this.errors, warnings: this.warnings, written: this.written };
  }

  private error(code: XmlProblemCode, message: string, el: XmlElement): void {
    this.errors.push({ code, message, path: el.path, line: el.line, col: el.col });
  }

  private warn(code: XmlProblemCode, message: string, el: XmlElement): void {
    this.warnings.push({ code, message, path: el.path, line: el.line, col: el.col });
  }

  /** The children of `parent` that may appear there (spec 2.0.1), as inputs. */
  private children(parent: XmlElement, parentName: ElementName): ElementInput[] {
    const out: ElementInput[] = [];
    for (const child of parent.children) {
      const input = this.element(child, parentName);
      if (input) out.push(input);
    }
    return out;
  }

  private element(el: XmlElement, parentName: ElementName): ElementInput | undefined {
    const name = el.name;
    if (!isElementName(name)) {
      const near = LOWER_ELEMENTS.get(name.toLowerCase());
      const foreign = FOREIGN.get(name);
      const hint = foreign
        ? `: ${foreign}`
        : near
          ? `: did you mean <${near}>? (element names are case-sensitive)`
          : '';
      this.error('UNKNOWN_ELEMENT', `<${name}> is not a VobizXML element${hint}`, el);
      return undefined;
    }
    const allowed = ELEMENTS[parentName].children;
    if (!allowed.includes(name)) {
      const why =
        allowed.length === 0
          ? `<${parentName}> takes no child elements`
          : `allowed there: ${allowed.join(', ')}`;
      this.error('NESTING', `<${name}> is not allowed inside <${parentName}> (${why})`, el);
      return undefined;
    }
    if (this.context === 'sound' && parentName === 'Response' && !SOUND_ELEMENTS.includes(name)) {
      const message = `<${name}> ignored: a confirmSound/dialMusic/waitSound document runs only Play, Speak and Wait`;
      this.warn('IGNORED_ELEMENT', message, el);
      return undefined;
    }
    const spec = ELEMENTS[name];
    const input: ElementInput = name === 'Number' || name === 'User' ? { kind: name } : { verb: name };
    this.attributes(el, spec, input);

    switch (name) {
      case 'Speak': {
        const content = readSpeakContent(el.text);
        for (const inner of content.elements) {
          if (isElementName(inner)) {
            this.error('NESTING', `<${inner}> is not allowed inside <Speak> (text or SSML only)`, el);
          }
        }
        input.text = content.text;
        if (content.ssml !== undefined) input.ssml = content.ssml;
        break;
      }
      case 'DTMF':
        // Spec 2.13: any character outside 1234567890*#wW makes Vobiz ignore the whole element.
        if (el.text !== '' && !DTMF_DIGITS.test(el.text)) {
          const shown = JSON.stringify(el.text);
          this.warn(
            'IGNORED_ELEMENT',
            `DTMF: ${shown} has characters other than 0-9 * # w W; element ignored`,
            el,
          );
          return undefined;
        }
        input.digits = el.text;
        break;
      case 'Gather':
        input.prompts = this.children(el, name);
        break;
      case 'PreAnswer':
        input.children = this.children(el, name);
        break;
      case 'Dial':
        this.dial(el, input);
        break;
      default:
        if (spec.text !== undefined) input[spec.text] = el.text;
    }
    if (spec.children.length === 0) {
      for (const child of el.children) this.element(child, name); // each one is a NESTING error
    }
    if (spec.text === undefined && name !== 'Dial' && el.text !== '') {
      this.warn('INVALID_TEXT', `${name}: text content ignored (${name} takes no text)`, el);
    }
    input.path = el.path;
    input.line = el.line;
    input.col = el.col;
    return input;
  }

  /** Known attributes are copied as strings for the schema; the others are reported. */
  private attributes(el: XmlElement, spec: ElementSpec, input: ElementInput): void {
    const table = ATTRIBUTES.get(spec.name) as AttributeTable;
    for (const key in el.attrs) {
      const value = el.attrs[key];
      if (table.known.has(key)) {
        input[key] = value;
        continue;
      }
      const target = spec.aliases && Object.hasOwn(spec.aliases, key) ? spec.aliases[key] : undefined;
      if (target !== undefined) {
        if (el.attrs[target] !== undefined) {
          this.warn('UNKNOWN_ATTRIBUTE', `${spec.name}@${key}: ignored, ${target} is set`, el);
        } else {
          input[target] = value;
          this.written.set(input, { ...this.written.get(input), [target]: key });
          this.warn(
            'UNKNOWN_ATTRIBUTE',
            `${spec.name}@${key}: not a ${spec.name} attribute, read as ${target}`,
            el,
          );
        }
        continue;
      }
      const near = table.lower.get(key.toLowerCase());
      const hint = near ? ` (did you mean ${near}? names are case-sensitive)` : '';
      this.warn('UNKNOWN_ATTRIBUTE', `${spec.name}@${key}: unknown attribute, ignored${hint}`, el);
    }
    if (spec.notes) {
      for (const note of spec.notes(el.attrs)) {
        const where = note.attr ? `${spec.name}@${note.attr}` : spec.name;
        this.warn('INVALID_ATTRIBUTE', `${where}: ${note.message}`, el);
      }
    }
  }

  /** Dial: Number/User children, or a bare number as text (spec 2.5); at most one nested Record. */
  private dial(el: XmlElement, input: ElementInput): void {
    const targets: ElementInput[] = [];
    let record: ElementInput | undefined;
    for (const child of el.children) {
      const c = this.element(child, 'Dial');
      if (!c) continue;
      if (c.verb === 'Record') {
        if (record) this.error('NESTING', 'Dial: at most one <Record> inside <Dial>', el);
        record = c;
      } else targets.push(c);
    }
    if (el.text !== '') {
      if (el.children.some((c) => c.name === 'Number' || c.name === 'User')) {
        this.error(
          'INVALID_TEXT',
          'Dial: write either a phone number as text or Number/User children, not both',
          el,
        );
      } else {
        targets.push({ kind: 'Number', number: el.text, path: el.path, line: el.line, col: el.col });
      }
    }
    input.targets = targets;
    if (record) input.record = record;
  }
}
