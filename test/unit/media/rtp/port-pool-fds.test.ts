import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runProcess } from '../../../helpers/run-node.ts';

const POOL = fileURLToPath(new URL('../../../../src/media/rtp/port-pool.ts', import.meta.url));

/**
 * Run under a small descriptor limit: allocates pairs until the process has no descriptor
 * left, releases them all (they rest, still bound, for a minute), then allocates as many
 * again. Prints one JSON line.
 */
const CHILD = `
const { RtpPortPool } = await import(process.argv[2]);
const low = Number(process.argv[3]);
const pool = new RtpPortPool({ low, high: low + 399, host: '127.0.0.1', reuse: { maxIdle: 200, restMs: 60000 } });
const live = [];
let first;
for (;;) {
  try { live.push(await pool.allocate()); } catch (err) { first = err.code; break; }
}
const n = live.length;
for (const a of live.splice(0)) await a.release();
const resting = pool.idleCount;
let again = 0;
let second;
for (let i = 0; i < n; i++) {
  try { live.push(await pool.allocate()); again++; } catch (err) { second = err.code; break; }
}
for (const a of live) await a.release();
await pool.close();
console.log(JSON.stringify({ n, first, resting, again, second: second ?? null, reused: pool.reused }));
`;

test('out of file descriptors while pairs rest: a resting pair is handed out instead of failing the call', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-fds-'));
  try {
    const script = join(dir, 'child.mjs');
    writeFileSync(script, CHILD);
    const low = 40000 + 2 * Math.floor(Math.random() * 4000);
    // The limit applies to the child only (ulimit in its own shell, then exec).
    const { code, out } = await runProcess('bash', [
      '-c',
      'ulimit -n 80 && exec "$0" --import tsx "$@"',
      process.execPath,
      script,
      POOL,
      String(low),
    ]);
    assert.equal(code, 0, out);
    const r = JSON.parse(out.trim().split('\n').pop() as string);
    assert.equal(r.first, 'EMFILE', 'the limit was reached');
    assert.ok(r.n >= 10, `only ${r.n} pairs under the limit`);
    assert.equal(r.resting, r.n, 'all released pairs rest, holding their descriptors');
    // Without the fallback the first allocation failed with EMFILE.
    assert.deepEqual({ again: r.again, second: r.second }, { again: r.n, second: null });
    assert.ok(r.reused >= r.n - 1, `${r.reused} of ${r.again} reused`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
