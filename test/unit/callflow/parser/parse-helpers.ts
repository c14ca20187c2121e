import assert from 'node:assert/strict';
import type { Verb, VobizDocument } from '../../../../schemas/xml/index.ts';
import {
  type ParseOptions,
  parseVobizXml,
  type XmlProblem,
} from '../../../../src/callflow/parser/parse-vobiz-xml.ts';

/** Parses `xml` and asserts it is valid; returns the document. */
export function valid(xml: string, opts?: ParseOptions): VobizDocument {
  const r = parseVobizXml(xml, opts);
  if (!r.ok) assert.fail(`expected a valid document, got ${JSON.stringify(r.errors, null, 2)}`);
  return r.document;
}

/** The single verb of `<Response>body</Response>`. */
export function verb<V extends Verb['verb']>(body: string, kind: V): Extract<Verb, { verb: V }> {
  const doc = valid(`<Response>${body}</Response>`);
  assert.equal(doc.verbs.length, 1);
  const v = doc.verbs[0];
  assert.equal(v.verb, kind);
  return v as Extract<Verb, { verb: V }>;
}

/** Parses `xml`, asserts it is invalid, returns the errors. */
export function errors(xml: string, opts?: ParseOptions): XmlProblem[] {
  const r = parseVobizXml(xml, opts);
  assert.equal(r.ok, false, 'expected the document to be rejected');
  return r.ok ? [] : r.errors;
}

/** Errors of `<Response>body</Response>`. */
export function bodyErrors(body: string): XmlProblem[] {
  return errors(`<Response>${body}</Response>`);
}

/** Warnings of a document, valid or not. */
export function warnings(xml: string, opts?: ParseOptions): XmlProblem[] {
  return parseVobizXml(xml, opts).warnings;
}

/** Asserts exactly one problem with this code and message (and path, when given). */
export function only(
  problems: XmlProblem[],
  code: XmlProblem['code'],
  message: string,
  path?: string,
): XmlProblem {
  assert.equal(problems.length, 1, `expected one problem, got ${JSON.stringify(problems, null, 2)}`);
  const [p] = problems;
  assert.equal(p.code, code);
  assert.equal(p.message, message);
  if (path !== undefined) assert.equal(p.path, path);
  return p;
}
