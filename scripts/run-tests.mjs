#!/usr/bin/env node
// Runs every *.test.ts under the given folders with Node's test runner (TypeScript through tsx).
// Files whose name contains "timing" measure the machine's scheduling (the media clock's
// jitter): they run afterwards, alone, so that no other test file loads the CPU meanwhile.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

function collect(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const roots = process.argv.slice(2);
const files = (roots.length ? roots : ['test']).flatMap((root) =>
  statSync(root).isDirectory() ? collect(root, []) : [root],
);
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const isTiming = (f) => basename(f).includes('timing');
const run = (list, extra = []) =>
  list.length === 0
    ? 0
    : (spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...extra, ...list], {
        stdio: 'inherit',
      }).status ?? 1);
const first = run(files.filter((f) => !isTiming(f)));
const second = run(files.filter(isTiming), ['--test-concurrency=1']);
process.exit(first || second);
