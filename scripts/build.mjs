#!/usr/bin/env node
// Bundles Patchbay's TypeScript into dist/patchbay.mjs, which plain Node runs: no module
// loader at run time (tsx keeps a hooks thread alive for the life of the process, with its
// own heap and garbage collections). Runs on `npm ci` / `npm install` (the `prepare`
// script) and as `npm run build`; bin/patchbay.js takes the bundle while it is newer than
// every source file.
import { fileURLToPath } from 'node:url';
import { bundle } from './bundle.mjs';

const root = new URL('../', import.meta.url);
bundle(fileURLToPath(new URL('src/cli.ts', root)), fileURLToPath(new URL('dist/patchbay.mjs', root)));
