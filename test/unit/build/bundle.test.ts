import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundle } from '../../../scripts/bundle.mjs';
import { packageVersion } from '../../../src/util/package-version.ts';
import { runNode } from '../../helpers/run-node.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
// Inside the project, so that the bundle's packages resolve from node_modules as dist's do.
const dir = mkdtempSync(join(ROOT, 'node_modules', '.cache-bundle-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the bundled CLI's main() in plain Node (no tsx) with `args`. */
function runBundled(file: string, args: string[]) {
  const script = `const { main } = await import(${JSON.stringify(pathToFileURL(file).href)}); process.exitCode = await main(${JSON.stringify(args)});`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('the bundle that `npm start` runs (dist/patchbay.mjs)', () => {
  const out = join(dir, 'patchbay.mjs');
  bundle(join(ROOT, 'src/cli.ts'), out);

  test('loads the whole application in plain Node and reads its version from package.json', () => {
    const r = runBundled(out, ['--version']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), version);
  });

  test('runs a command end to end: validate accepts the examples and rejects a bad document', () => {
    const good = runBundled(out, ['validate', join(ROOT, 'examples/xml/ivr-menu.xml')]);
    assert.equal(good.status, 0, good.stderr + good.stdout);
    const bad = join(dir, 'bad.xml');
    writeFileSync(bad, '<Response><Dial timeout="soon"><Number>1</Number></Dial></Response>');
    const r = runBundled(out, ['validate', bad]);
    assert.equal(r.status, 1, r.stderr + r.stdout);
    assert.match(r.stdout + r.stderr, /timeout/);
  });

  test('the webhook worker is bundled beside it and runs in plain Node', async () => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/xml' }).end('<Response/>'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/answer`;
    const threadOut = join(dir, 'thread.mjs');
    bundle(join(ROOT, 'src/webhooks/webhook-thread.ts'), threadOut);
    const script = `
      import { pino } from 'pino';
      const { WebhookThread } = await import(${JSON.stringify(pathToFileURL(threadOut).href)});
      const t = new WebhookThread({ authId: 'MA1', authToken: 'token', logger: pino({ level: 'silent' }), policy: { allow: ['127.0.0.1'] } });
      const doc = await t.fetchDocument({ url: ${JSON.stringify(url)}, method: 'POST', params: { A: '1' }, purpose: 'answer' });
      await t.close(100);
      console.log(doc.text);`;
    try {
      // Asynchronous: the server answering lives in this process.
      const r = await runNode(['--input-type=module', '-e', script], { cwd: ROOT });
      assert.equal(r.code, 0, r.out);
      assert.equal(r.out.trim(), '<Response/>');
    } finally {
      server.close();
    }
  });

  test('the version the sources read is the package’s', () => {
    assert.equal(packageVersion(), version);
  });
});
