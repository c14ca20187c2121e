import type { z } from 'zod';

/** The VobizXML element names (spec 0: PascalCase, case-sensitive; `DTMF` all caps). */
export type ElementName =
  | 'Response'
  | 'Speak'
  | 'Play'
  | 'Wait'
  | 'Gather'
  | 'Dial'
  | 'Number'
  | 'User'
  | 'Record'
  | 'Conference'
  | 'Redirect'
  | 'Hangup'
  | 'PreAnswer'
  | 'DTMF'
  | 'Stream'
  | 'Refer';

/** A soft finding about an element's attributes: reported as a warning, the element still runs. */
export interface AttributeNote {
  attr?: string;
  message: string;
}

/** What the parser and the JSON Schema generator need to know about one element. */
export interface ElementSpec {
  readonly name: ElementName;
  /** The attributes as written in XML (string values), decoded to typed values. */
  readonly attributes: z.ZodObject;
  /** Output field that receives the element's text content; absent when the element takes no text. */
  readonly text?: string;
  /** What the text content is, for messages and JSON Schema. */
  readonly textDescription?: string;
  /** Allowed child elements (spec 2.0.1). */
  readonly children: readonly ElementName[];
  /** One-line purpose, for JSON Schema. */
  readonly summary: string;
  /**
   * Attribute names read as another attribute, with a warning (Gather `timeout` means
   * `executionTimeout` in some Vobiz examples, spec 2.4). The real name wins when both are set.
   */
  readonly aliases?: Readonly<Record<string, string>>;
  /** Cross-attribute findings that are warnings, not errors (Appendix A, end). */
  readonly notes?: (attrs: Readonly<Record<string, string>>) => AttributeNote[];
}
