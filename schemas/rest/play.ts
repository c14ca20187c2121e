import { z } from 'zod';
import type { PlayRequest } from '../../src/callflow/call-control.ts';
import { bool, expected, int, legs, opt, withDefault } from './codecs.ts';

const HTTP_URL = /^https?:\/\/[^\s/?#,]+[^\s,]*$/i;

/** `urls`: one URL, or several separated by commas in one string, played in order (spec 3.1). */
const urls = z.string({ error: expected('comma-separated http(s) URLs') }).transform((s, ctx) => {
  const list = s
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (list.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'expected at least one http(s) URL' });
    return z.NEVER;
  }
  for (const u of list) {
    if (!HTTP_URL.test(u) || !URL.canParse(u)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected an absolute http(s) URL, got ${JSON.stringify(u.slice(0, 60))}`,
      });
      return z.NEVER;
    }
  }
  return list;
});

/** POST /Account/{auth_id}/Call/{call_uuid}/Play/ (spec 3.1). */
export const PlayBody = z
  .object({
    urls,
    length: opt(int({ min: 1, max: 86400 })),
    legs: legs(),
    loop: withDefault(bool(), false),
    mix: withDefault(bool(), true),
  })
  .transform(
    (b): PlayRequest => ({ urls: b.urls, length: b.length, legs: b.legs, loop: b.loop, mix: b.mix }),
  );
