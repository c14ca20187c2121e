/**
 * Bench processes run as Patchbay runs (bin/patchbay.js takes dist/patchbay.mjs): a script
 * bundled to plain JavaScript, so that no tsx loader thread (its own heap and garbage
 * collections, on the same pinned CPU) sits in what is measured.
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from '../scripts/bundle.mjs';

const BENCH = fileURLToPath(new URL('.', import.meta.url));
const CACHE = new URL('../node_modules/.cache/patchbay-bench/', import.meta.url);

/** Bundles a bench script (a .ts path) and returns the .mjs to run; packages resolve from node_modules. */
export function compiled(script: string): string {
  const name = relative(BENCH, script).replace(/\.ts$/, '').replaceAll(/[/\\]/g, '-');
  const out = fileURLToPath(new URL(`${name}.mjs`, CACHE));
  bundle(script, out);
  return out;
}
