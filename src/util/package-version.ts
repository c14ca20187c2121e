import { readFileSync } from 'node:fs';

let cached: string | undefined;

/**
 * Patchbay's version from its package.json, found by looking upwards from this module: the
 * sources (src/util/) and the bundle (dist/) sit at different depths. '0.0.0' when unreadable.
 */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  cached = '0.0.0';
  for (let dir = new URL('./', import.meta.url), i = 0; i < 4; dir = new URL('../', dir), i++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'patchbay') {
        cached = pkg.version ?? cached;
        break;
      }
    } catch {
      // not here: one level up
    }
  }
  return cached;
}
