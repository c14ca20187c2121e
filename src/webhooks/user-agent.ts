import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** 'Patchbay-Webhook/<package version>' (spec 5.1 shows `Vobiz-Webhook/1.0` for Vobiz). */
export function defaultUserAgent(): string {
  if (cached === undefined) {
    let version = '0.0.0';
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
        version?: string;
      };
      version = pkg.version ?? version;
    } catch {
      // keep 0.0.0
    }
    cached = `Patchbay-Webhook/${version}`;
  }
  return cached;
}
