import type { VobizDocument } from '../../../schemas/xml/index.ts';

/** Why a VobizXML document was rejected (errors) or changed on the way in (warnings). */
export type XmlProblemCode =
  | 'TOO_LARGE'
  | 'EMPTY'
  | 'XML_SYNTAX'
  | 'DOCTYPE'
  | 'TOO_DEEP'
  | 'ROOT'
  | 'UNKNOWN_ELEMENT'
  | 'NESTING'
  | 'INVALID_ATTRIBUTE'
  | 'MISSING_ATTRIBUTE'
  | 'INVALID_TEXT'
  | 'UNKNOWN_ATTRIBUTE'
  | 'IGNORED_ELEMENT';

/** One finding, worded for the customer; `line`/`col` are 1-based, of the element's start tag. */
export interface XmlProblem {
  code: XmlProblemCode;
  message: string;
  /** Element path such as `Response/Gather[2]/Speak[1]`. */
  path?: string;
  line?: number;
  col?: number;
}

export type ParseResult =
  | { ok: true; document: VobizDocument; warnings: XmlProblem[] }
  | { ok: false; errors: XmlProblem[]; warnings: XmlProblem[] };

export interface ParseOptions {
  /** Largest accepted document in UTF-8 bytes; spec 1.1 says 100 KB. */
  maxBytes?: number;
  /** Deepest accepted element nesting (the root counts as 1). */
  maxDepth?: number;
  /**
   * `call`: a call-flow document (answer_url, action, Redirect). `sound`: a confirmSound /
   * dialMusic / waitSound document, where only Play, Speak and Wait run (spec 1.3).
   */
  context?: 'call' | 'sound';
}

export const DEFAULT_MAX_BYTES = 100 * 1024;
export const DEFAULT_MAX_DEPTH = 32;

/** Problems sorted for display: document-wide ones first, then by position. Stable. */
export function sortProblems(problems: XmlProblem[]): XmlProblem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.line ?? 0) - (b.p.line ?? 0) || (a.p.col ?? 0) - (b.p.col ?? 0) || a.i - b.i)
    .map((x) => x.p);
}
