#!/usr/bin/env node
// The `patchbay` command. Runs the bundle (dist/patchbay.mjs, made by `npm ci` or
// `npm run build`) while it is newer than every source file; otherwise (no bundle, or
// sources edited since) loads the TypeScript sources through tsx.
import { readdirSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const bundle = new URL('dist/patchbay.mjs', root);

/** Newest modification time of the files under `dir`. */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const url = new URL(entry.name + (entry.isDirectory() ? '/' : ''), dir);
    latest = Math.max(latest, entry.isDirectory() ? newest(url) : statSync(url).mtimeMs);
  }
  return latest;
}

function bundleIsFresh() {
  try {
    const built = statSync(bundle).mtimeMs;
    return built >= newest(new URL('src/', root)) && built >= newest(new URL('schemas/', root));
  } catch {
    return false;
  }
}

let cli;
if (process.env.PATCHBAY_FROM_SOURCE !== '1' && bundleIsFresh()) cli = await import(bundle.href);
else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/cli.ts');
}
process.exitCode = await cli.main(process.argv.slice(2));
