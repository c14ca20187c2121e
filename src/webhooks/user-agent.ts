import { packageVersion } from '../util/package-version.ts';

let cached: string | undefined;

/** 'Patchbay-Webhook/<package version>' (spec 5.1 shows `Vobiz-Webhook/1.0` for Vobiz). */
export function defaultUserAgent(): string {
  cached ??= `Patchbay-Webhook/${packageVersion()}`;
  return cached;
}
