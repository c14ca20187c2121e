import { z } from 'zod';
import { ConferenceVerbSchema } from './conference.ts';
import { DialVerbSchema } from './dial.ts';
import { DtmfVerbSchema } from './dtmf.ts';
import type { ElementSpec } from './element-spec.ts';
import { ELEMENTS } from './elements.ts';
import { GatherVerbSchema } from './gather.ts';
import { HangupVerbSchema } from './hangup.ts';
import { NumberTargetSchema } from './number.ts';
import { PlayVerbSchema } from './play.ts';
import { PreAnswerVerbSchema } from './pre-answer.ts';
import { RecordVerbSchema } from './record.ts';
import { RedirectVerbSchema } from './redirect.ts';
import { VobizDocumentSchema } from './response.ts';
import { SpeakVerbSchema } from './speak.ts';
import { StreamVerbSchema } from './stream.ts';
import { UserTargetSchema } from './user.ts';
import { WaitVerbSchema } from './wait.ts';

type Json = Record<string, unknown>;

/**
 * Defaults as an editor shows them: the attribute string (`"32"`, `"true"`), obtained by
 * encoding the typed default back through the attribute's codec.
 */
function stringDefaults(ctx: { zodSchema: z.core.$ZodTypes; jsonSchema: Json }): void {
  const def = ctx.zodSchema._zod.def;
  if (def.type !== 'default') return;
  // Empty defaults (no headers, no digit patterns) encode to no string the attribute accepts.
  const encoded = z.safeEncode(def.innerType as z.ZodType, (def as z.core.$ZodDefaultDef).defaultValue);
  if (encoded.success && typeof encoded.data === 'string') ctx.jsonSchema.default = encoded.data;
  else delete ctx.jsonSchema.default;
}

/**
 * JSON Schema of one element's attributes as written in XML: every value is a string (with the
 * pattern or enum it must match, its default as a string), unknown attributes are flagged
 * (`additionalProperties: false`; the parser only warns). Text content and allowed children are
 * described under `x-vobizxml`.
 */
function elementSchema(spec: ElementSpec): Json {
  const body = z.toJSONSchema(spec.attributes, { io: 'input', override: stringDefaults }) as Json;
  const { $schema, ...rest } = body;
  const x: Json = { element: spec.name, children: [...spec.children] };
  if (spec.textDescription) x.text = spec.textDescription;
  return {
    $schema,
    $id: `${spec.name}.json`,
    title: `<${spec.name}> attributes`,
    description: spec.summary,
    ...rest,
    additionalProperties: false,
    'x-vobizxml': x,
  };
}

/** The verb and target schemas, named in `$defs` of vobizxml.json after the exported types. */
const NAMED: ReadonlyArray<[string, z.ZodType]> = [
  ['SpeakVerb', SpeakVerbSchema],
  ['PlayVerb', PlayVerbSchema],
  ['WaitVerb', WaitVerbSchema],
  ['GatherVerb', GatherVerbSchema],
  ['DialVerb', DialVerbSchema],
  ['NumberTarget', NumberTargetSchema],
  ['UserTarget', UserTargetSchema],
  ['RecordVerb', RecordVerbSchema],
  ['ConferenceVerb', ConferenceVerbSchema],
  ['RedirectVerb', RedirectVerbSchema],
  ['HangupVerb', HangupVerbSchema],
  ['PreAnswerVerb', PreAnswerVerbSchema],
  ['DtmfVerb', DtmfVerbSchema],
  ['StreamVerb', StreamVerbSchema],
];

/** Output-side JSON Schema of `schema`, with every named schema inside it replaced by a `$ref`. */
function outputSchema(schema: z.ZodType): Json {
  const names = new Map<unknown, string>(NAMED.map(([name, s]) => [s, name]));
  const override = (ctx: { zodSchema: unknown; jsonSchema: Json }) => {
    const name = names.get(ctx.zodSchema);
    if (name === undefined || ctx.zodSchema === schema) return;
    for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
    ctx.jsonSchema.$ref = `#/$defs/${name}`;
  };
  const { $schema: _, ...body } = z.toJSONSchema(schema, { io: 'output', override }) as Json;
  return body;
}

/** JSON Schema of the validated, typed document the parser returns (`VobizDocument`). */
function documentSchema(): Json {
  const $defs: Json = {};
  for (const [name, schema] of NAMED) $defs[name] = outputSchema(schema);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'vobizxml.json',
    title: 'VobizDocument',
    description:
      'A parsed and validated VobizXML document as parseVobizXml returns it: verbs in document order, ' +
      'attributes typed with defaults applied, text content in a named field, each with path, line and col.',
    ...outputSchema(VobizDocumentSchema),
    $defs,
  };
}

/** File name -> content (`JSON.stringify(x, null, 2) + '\n'`) of every generated schema. */
export function generateJsonSchemas(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const spec of Object.values(ELEMENTS)) {
    files[`${spec.name}.json`] = `${JSON.stringify(elementSchema(spec), null, 2)}\n`;
  }
  files['vobizxml.json'] = `${JSON.stringify(documentSchema(), null, 2)}\n`;
  return files;
}
