/**
 * Writes schemas/json/<Element>.json (attributes as written in XML) and schemas/json/vobizxml.json
 * (the validated document) from the zod schemas in schemas/xml/. Run after changing a schema:
 *   node --import tsx scripts/gen-json-schema.ts
 * test/unit/schemas/json-schema-current.test.ts fails while the committed files are stale.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateJsonSchemas } from '../schemas/xml/json-schema.ts';

const dir = join(import.meta.dirname, '..', 'schemas', 'json');
mkdirSync(dir, { recursive: true });
const files = generateJsonSchemas();
for (const old of readdirSync(dir)) {
  if (old.endsWith('.json') && !(old in files)) rmSync(join(dir, old));
}
for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
console.log(`wrote ${Object.keys(files).length} files to ${dir}`);
