// Bundles TypeScript into one ES module that plain Node runs (used by scripts/build.mjs and
// the benchmarks). Packages stay in node_modules (external).
import { buildSync } from 'esbuild';

/** Bundles `entry` (a .ts file) into `outfile`, packages left to node_modules. */
export function bundle(entry, outfile) {
  buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}
