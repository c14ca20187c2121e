import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ELEMENTS } from '../../../schemas/xml/index.ts';
import { generateJsonSchemas } from '../../../schemas/xml/json-schema.ts';

const dir = join(import.meta.dirname, '..', '..', '..', 'schemas', 'json');
const generated = generateJsonSchemas();

interface PropertySchema {
  type?: string;
  enum?: string[];
  pattern?: string;
  default?: string;
}
interface AttributeSchema {
  properties: Record<string, PropertySchema>;
  required?: string[];
  additionalProperties: boolean;
}

describe('generated JSON Schema', () => {
  test('the committed files are what the generator writes now (run scripts/gen-json-schema.ts)', () => {
    const committed = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
    assert.deepEqual(committed, Object.keys(generated).sort());
    for (const name of committed) {
      assert.equal(readFileSync(join(dir, name), 'utf8'), generated[name], `schemas/json/${name} is stale`);
    }
  });

  test('generation is deterministic', () => {
    assert.deepEqual(generateJsonSchemas(), generated);
  });

  test('one attribute schema per element, strings as written in XML', () => {
    for (const name of Object.keys(ELEMENTS)) {
      const schema = JSON.parse(generated[`${name}.json`]) as AttributeSchema;
      assert.equal(schema.additionalProperties, false);
      for (const [attr, prop] of Object.entries(schema.properties)) {
        assert.equal(prop.type, 'string', `${name}@${attr}`);
        if (prop.default !== undefined) assert.equal(typeof prop.default, 'string', `${name}@${attr}`);
      }
    }
    const gather = JSON.parse(generated['Gather.json']) as AttributeSchema;
    assert.deepEqual(gather.required, ['action']);
    assert.equal(gather.properties.numDigits.default, '32');
    assert.equal(gather.properties.log.default, 'true');
    assert.deepEqual(gather.properties.inputType.enum, ['dtmf', 'speech', 'dtmf speech']);
  });

  test('an editor using the schema never flags a value the parser accepts, and its defaults parse', () => {
    const samples = [
      '',
      '0',
      '1',
      '5',
      '32',
      '40',
      '14400',
      '100000',
      '-1',
      'x',
      'true',
      'false',
      'yes',
      'auto',
      'none',
      '#',
      '*',
      '123',
      '12a',
      'GET',
      'POST',
      'get',
      'mp3',
      'wav',
      'dtmf',
      'dtmf speech',
      'WOMAN',
      'MAN',
      'Polly.Amy',
      'en-US',
      'https://a.test/x',
      'http://127.0.0.1:8080/',
      'wss://a.test/',
      'real',
      'a=1,b=2',
      'a-b=1',
      'inbound',
      'both',
      'audio/x-l16;rate=16000',
      'rejected',
      'busy',
      'phone_call',
      'hybrid',
      '+14155550100',
      '1,2,3',
    ];
    for (const spec of Object.values(ELEMENTS)) {
      const schema = JSON.parse(generated[`${spec.name}.json`]) as AttributeSchema;
      const shape = spec.attributes.shape;
      for (const [attr, prop] of Object.entries(schema.properties)) {
        const field = shape[attr];
        const jsonAccepts = (v: string) =>
          (prop.enum === undefined || prop.enum.includes(v)) &&
          (prop.pattern === undefined || new RegExp(prop.pattern).test(v));
        for (const v of samples) {
          if (field.safeParse(v).success)
            assert.ok(jsonAccepts(v), `${spec.name}@${attr}: JSON Schema refuses "${v}"`);
        }
        if (prop.default !== undefined)
          assert.ok(field.safeParse(prop.default).success, `${spec.name}@${attr} default`);
      }
    }
  });

  test('vobizxml.json describes the typed document with named definitions', () => {
    const doc = JSON.parse(generated['vobizxml.json']) as {
      $defs: Record<string, { properties: Record<string, { type?: string; default?: unknown }> }>;
    };
    assert.ok(doc.$defs.GatherVerb && doc.$defs.DialVerb && doc.$defs.NumberTarget);
    assert.equal(doc.$defs.GatherVerb.properties.numDigits.type, 'integer');
    assert.equal(doc.$defs.GatherVerb.properties.numDigits.default, 32);
    assert.equal(doc.$defs.WaitVerb.properties.silence.type, 'boolean');
  });
});
