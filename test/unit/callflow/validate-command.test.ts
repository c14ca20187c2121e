import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runValidate } from '../../../src/callflow/validate-command.ts';

const dir = mkdtempSync(join(tmpdir(), 'patchbay-validate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function run(files: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runValidate(files, { log: (s) => out.push(s), error: (s) => err.push(s) });
  return { code, out, err };
}

const good = file('good.xml', '<Response>\n  <Speak>Hello</Speak>\n  <Hangup/>\n</Response>\n');
const warned = file('warned.xml', '<Response>\n  <Speak colour="blue">Hello</Speak>\n</Response>\n');
const bad = file(
  'bad.xml',
  '<Response>\n  <Gather action="https://a.test/" numDigits="40">\n    <Dial>1</Dial>\n  </Gather>\n  <Wait foo="1" length="x"/>\n</Response>\n',
);
const broken = file('broken.xml', '<Response>\n  <Speak>Fish & chips</Speak>\n</Response>\n');

describe('patchbay validate', () => {
  test('a clean file: "file: ok", exit 0', async () => {
    assert.deepEqual(await run([good]), { code: 0, out: [`${good}: ok`], err: [] });
  });

  test('warnings only: printed with "warning: ", still exit 0', async () => {
    assert.deepEqual(await run([warned]), {
      code: 0,
      out: [`${warned}:2:3: warning: Speak@colour: unknown attribute, ignored`, `${warned}: ok (1 warning)`],
      err: [],
    });
  });

  test('errors: file:line:col: message in document order (errors first at one position), exit 1', async () => {
    assert.deepEqual(await run([bad]), {
      code: 1,
      out: [
        `${bad}:2:3: Gather@numDigits: expected an integer 1-32, got "40"`,
        `${bad}:3:5: <Dial> is not allowed inside <Gather> (allowed there: Speak, Play, Wait)`,
        `${bad}:5:3: Wait@length: expected an integer >= 1, got "x"`,
        `${bad}:5:3: warning: Wait@foo: unknown attribute, ignored`,
      ],
      err: [],
    });
  });

  test('a syntax error carries its line:col', async () => {
    assert.deepEqual(await run([broken]), {
      code: 1,
      out: [`${broken}:2:15: XML syntax: char '&' is not expected.`],
      err: [],
    });
  });

  test('several files: each reported, the exit code is the worst', async () => {
    const r = await run([good, bad, warned]);
    assert.equal(r.code, 1);
    assert.equal(r.out[0], `${good}: ok`);
    assert.equal(r.out.at(-1), `${warned}: ok (1 warning)`);
  });

  test('a missing file: exit 2, the other files still checked', async () => {
    const missing = join(dir, 'nope.xml');
    assert.deepEqual(await run([missing, good]), {
      code: 2,
      out: [`${good}: ok`],
      err: [`${missing}: cannot read: no such file`],
    });
    assert.equal((await run([bad, missing])).code, 2);
  });

  test('usage errors: no file, an unknown option', async () => {
    assert.deepEqual(await run([]), { code: 2, out: [], err: ['usage: patchbay validate FILE...'] });
    const r = await run(['--strict', good]);
    assert.equal(r.code, 2);
    assert.match(r.err[0], /unknown option --strict/);
  });

  test('documents without a position (empty, too large) print the file name alone', async () => {
    const empty = file('empty.xml', '');
    assert.deepEqual(await run([empty]), { code: 1, out: [`${empty}: document is empty`], err: [] });
  });
});
