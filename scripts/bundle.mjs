// Bundles TypeScript into ES modules that plain Node runs (used by scripts/build.mjs and
// the benchmarks). Packages stay in node_modules (external).
import { basename, dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

/** The webhook client's worker thread (src/webhooks/webhook-thread.ts loads it from beside the bundle). */
const WEBHOOK_WORKER = fileURLToPath(new URL('../src/webhooks/webhook-worker.ts', import.meta.url));

/**
 * Bundles `entry` (a .ts file) into `outfile` (.mjs), packages left to node_modules, and the
 * webhook worker into webhook-worker.mjs beside it.
 */
export function bundle(entry, outfile) {
  buildSync({
    entryPoints: [
      { in: entry, out: basename(outfile, extname(outfile)) },
      { in: WEBHOOK_WORKER, out: 'webhook-worker' },
    ],
    outdir: dirname(outfile),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}
