import { z } from 'zod';

/**
 * Attribute codecs shared by the element schemas. VobizXML attribute values arrive as strings
 * (spec 0, conventions): every codec takes the string as written and decodes it into the typed
 * value. Their messages read "expected X, got "v"" so that the parser can prefix `Element@attr: `.
 */

type ErrorFn = (issue: { input?: unknown }) => string;

/** The value as the customer wrote it, quoted, shortened when long. */
export function quoted(value: unknown): string {
  const s = typeof value === 'string' ? value : String(value);
  return JSON.stringify(s.length > 60 ? s.slice(0, 57) + '...' : s);
}

export function expected(what: string): ErrorFn {
  return (issue) => `expected ${what}, got ${quoted(issue.input)}`;
}

/** Decimal integer (spec 0: "Integer attributes are decimal strings"); no sign, no spaces. */
export function int(opts: { min: number; max?: number; cap?: number }) {
  const { min, max, cap } = opts;
  const what = max !== undefined ? `an integer ${min}-${max}` : `an integer >= ${min}`;
  const error = expected(what);
  const upper = cap ?? max ?? Number.MAX_SAFE_INTEGER;
  return z.codec(
    z.string({ error }).regex(/^[0-9]{1,15}$/, { error }),
    z.number().int().min(min, { error }).max(upper, { error }),
    {
      // Dial timeLimit: "any value >= 86400 is capped at 24 h" (spec 2.5): a cap, not an error.
      decode: (s) => (cap !== undefined ? Math.min(Number(s), cap) : Number(s)),
      encode: (n) => String(n),
    },
  );
}

/** Boolean attributes take the literal strings `true` / `false` (spec 0). */
export function bool() {
  const error = expected('"true" or "false"');
  return z.codec(z.enum(['true', 'false'], { error }), z.boolean(), {
    decode: (s) => s === 'true',
    encode: (b) => (b ? 'true' : 'false'),
  });
}

/** An enumerated attribute, case-sensitive. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: expected(`one of ${values.join(', ')}`) });
}

/** HTTP-method attributes: `GET` or `POST`, every documented default `POST` (spec 0). */
export function method() {
  return z.enum(['GET', 'POST'], { error: expected('GET or POST') }).default('POST');
}

const HTTP_URL = /^https?:\/\/[^\s/?#]+[^\s]*$/i;
const WS_URL = /^wss?:\/\/[^\s/?#]+[^\s]*$/i;

/** "URL values must be fully qualified (absolute) URLs" (spec 0). http is accepted besides https. */
export function httpUrl() {
  const error = expected('an absolute http(s) URL');
  return z
    .string({ error })
    .regex(HTTP_URL, { error })
    .refine((s) => URL.canParse(s), { error });
}

/** Stream's text: `wss://` (production) or `ws://` (local testing), spec 2.14. */
export function wsUrl() {
  const error = expected('an absolute ws:// or wss:// URL');
  return z
    .string({ error })
    .regex(WS_URL, { error })
    .refine((s) => URL.canParse(s), { error });
}

/** A string matching `re`, described as `what` in messages. */
export function pattern(re: RegExp, what: string) {
  const error = expected(what);
  return z.string({ error }).regex(re, { error });
}

/** Language code such as `en-US` (TTS, spec 2.1) or an ASR code (spec 2.4). */
export function languageCode() {
  return pattern(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$/, 'a language code like en-US');
}

const KV = /^([A-Za-z0-9]+=[A-Za-z0-9]+(,[A-Za-z0-9]+=[A-Za-z0-9]+)*)?$/;

/** `name1=value1,name2=value2`, names and values `[A-Za-z0-9]` only (spec 1.9, 2.14). */
export function keyValues(maxLength?: number) {
  const what =
    'k=v pairs separated by commas, letters and digits only' + (maxLength ? ` (<= ${maxLength})` : '');
  const error = expected(what);
  let input = z.string({ error }).regex(KV, { error });
  if (maxLength !== undefined) input = input.max(maxLength, { error });
  return z.codec(input, z.record(z.string(), z.string()), {
    decode: (s) => {
      const out: Record<string, string> = {};
      if (s === '') return out;
      for (const pair of s.split(',')) {
        const eq = pair.indexOf('=');
        out[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      return out;
    },
    encode: (r) =>
      Object.entries(r)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
  });
}

/** Dial digitsMatch: comma-separated digit patterns such as `123,456,789` (spec 2.5). */
export function digitPatterns() {
  const error = expected('digit patterns separated by commas, like 123,456');
  return z.codec(z.string({ error }).regex(/^[0-9*#]+(,[0-9*#]+)*$/, { error }), z.array(z.string()), {
    decode: (s) => s.split(','),
    encode: (a) => a.join(','),
  });
}

/** A key-set attribute where `""` or `none` means "no key" (Gather, Record finishOnKey). */
export function keys(re: RegExp, what: string) {
  const error = expected(what);
  return z.codec(z.string({ error }).regex(re, { error }), z.string(), {
    decode: (s) => (s === 'none' ? '' : s),
    encode: (s) => s,
  });
}

/** Source position of an element, filled in by the parser (1-based line:col of the start tag). */
export const locShape = {
  path: z.string(),
  line: z.number().int(),
  col: z.number().int(),
};
