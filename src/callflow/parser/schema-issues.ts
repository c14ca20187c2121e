import type { z } from 'zod';
import { ELEMENTS, type ElementName } from '../../../schemas/xml/index.ts';
import type { ElementInput } from './document-input.ts';
import type { XmlProblem } from './problems.ts';

/** Fields of an element input that hold child elements rather than attributes. */
const CHILD_FIELDS = new Set<PropertyKey>(['targets', 'prompts', 'children', 'record']);

function isElementInput(v: unknown): v is ElementInput {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as ElementInput).path === 'string'
  );
}

/**
 * Maps zod issues back to the elements they concern: the issue path is walked through the input,
 * the last element object met owns the issue, the key after it is the attribute (or the text
 * field, or a child list). Messages read `Gather@numDigits: expected an integer 1-32, got "40"`.
 */
export function schemaProblems(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  written: Map<ElementInput, Record<string, string>>,
): XmlProblem[] {
  const out: XmlProblem[] = [];
  const seen = new Set<string>();
  for (const issue of issues) {
    let cur: unknown = input;
    let owner: ElementInput | undefined;
    let field: PropertyKey | undefined;
    for (const key of issue.path) {
      if (owner !== undefined && cur === owner && field === undefined) field = key;
      if (typeof cur !== 'object' || cur === null) break;
      cur = (cur as Record<PropertyKey, unknown>)[key];
      if (isElementInput(cur)) {
        owner = cur;
        field = undefined;
      }
    }
    const problem = owner
      ? located(issue, owner, field, written)
      : { code: 'INVALID_ATTRIBUTE' as const, message: issue.message };
    const key = `${problem.path}|${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(problem);
  }
  return out;
}

function located(
  issue: z.core.$ZodIssue,
  owner: ElementInput,
  field: PropertyKey | undefined,
  written: Map<ElementInput, Record<string, string>>,
): XmlProblem {
  const name = (owner.verb ?? owner.kind) as ElementName;
  const where = { path: owner.path as string, line: owner.line as number, col: owner.col as number };
  if (field === undefined || CHILD_FIELDS.has(field)) {
    return { code: 'NESTING', message: `${name}: ${issue.message}`, ...where };
  }
  if (field === ELEMENTS[name].text) {
    return { code: 'INVALID_TEXT', message: `${name} text: ${issue.message}`, ...where };
  }
  const attr = written.get(owner)?.[String(field)] ?? String(field);
  if (owner[field as string] === undefined) {
    const message = issue.code === 'custom' ? issue.message : 'required attribute is missing';
    return { code: 'MISSING_ATTRIBUTE', message: `${name}@${attr}: ${message}`, ...where };
  }
  return { code: 'INVALID_ATTRIBUTE', message: `${name}@${attr}: ${issue.message}`, ...where };
}
