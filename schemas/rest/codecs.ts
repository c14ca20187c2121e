import { z } from 'zod';

/**
 * Field codecs shared by the REST request schemas. REST bodies are JSON (spec 1.3), but real
 * clients send numbers as numeric strings and booleans as "true"/"false" (spec 2.1, "Type
 * leniency"; Plivo SDKs send form bodies), so every codec accepts both spellings and decodes to
 * the typed value. An empty string or null in an optional field means "not given".
 * Messages read `expected X, got "v"`; the API prefixes the field name.
 */

type ErrorFn = (issue: { input?: unknown }) => string;

function shown(value: unknown): string {
  const s = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(s.length > 60 ? s.slice(0, 57) + '...' : s);
}

/** "is required" when the field is absent, else `expected WHAT, got "v"`. */
export function expected(what: string): ErrorFn {
  return (issue) =>
    issue.input === undefined ? 'is required' : `expected ${what}, got ${shown(issue.input)}`;
}

function blankToUndefined(v: unknown): unknown {
  return v === '' || v === null ? undefined : v;
}

/** An optional field: absent, `""` and `null` all mean "not given". */
export function opt<T extends z.ZodType>(schema: T) {
  return z.preprocess(blankToUndefined, schema.optional());
}

/** A field with a documented default, used when absent, `""` or `null`. */
export function withDefault<T extends z.ZodType>(schema: T, value: z.output<T>) {
  return z.preprocess(blankToUndefined, schema.optional()).transform((v): z.output<T> => v ?? value);
}

/** An integer as a JSON number or a decimal string; `cap` clamps instead of refusing (time_limit). */
export function int(opts: { min: number; max?: number; cap?: number }) {
  const { min, max, cap } = opts;
  const what = max !== undefined ? `an integer ${min}-${max}` : `an integer >= ${min}`;
  const error = expected(what);
  return z
    .preprocess(
      (v) => (typeof v === 'string' && /^\s*-?[0-9]{1,15}\s*$/.test(v) ? Number(v) : v),
      z
        .number({ error })
        .int({ error })
        .min(min, { error })
        .max(max ?? Number.MAX_SAFE_INTEGER, { error }),
    )
    .transform((n) => (cap !== undefined ? Math.min(n, cap) : n));
}

/** A boolean as JSON true/false or the strings "true"/"false". */
export function bool() {
  const error = expected('true or false');
  return z.union([z.boolean(), z.enum(['true', 'false']).transform((s) => s === 'true')], { error });
}

/** `GET` or `POST` (any case; the spec's default is always POST). */
export function method() {
  const error = expected('GET or POST');
  return withDefault(
    z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(['GET', 'POST'], { error })),
    'POST',
  );
}

/** An enumerated string, case-sensitive. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: expected(`one of ${values.join(', ')}`) });
}

/** A string matching `re`, described as `what` in messages. */
export function pattern(re: RegExp, what: string, maxLength = 2048) {
  const error = expected(what);
  return z.string({ error }).max(maxLength, { error }).regex(re, { error });
}

const HTTP_URL = /^https?:\/\/[^\s/?#]+[^\s]*$/i;
const WS_URL = /^wss?:\/\/[^\s/?#]+[^\s]*$/i;

/** An absolute http(s) URL (https in production; http for self-hosted apps and tests). */
export function httpUrl() {
  const error = expected('an absolute http(s) URL');
  return pattern(HTTP_URL, 'an absolute http(s) URL').refine((s) => URL.canParse(s), { error });
}

/** A WebSocket URL, `wss://` or `ws://` (spec 3.5 service_url). */
export function wsUrl() {
  const error = expected('an absolute ws:// or wss:// URL');
  return pattern(WS_URL, 'an absolute ws:// or wss:// URL').refine((s) => URL.canParse(s), { error });
}

/** Leg selection, spec 3: `aleg` (caller side), `bleg` (callee side), `both`; default `aleg`. */
export function legs() {
  return withDefault(oneOf(['aleg', 'bleg', 'both'] as const), 'aleg');
}

/** Digits with `w` (0.5 s) and `W` (1 s) pauses, spec 3.3: `^[0-9*#wW]+$`. */
export function digits() {
  return pattern(/^[0-9*#wW]+$/, 'digits 0-9 * # with w/W pauses', 256);
}

/**
 * `name1=value1,name2=value2`, names and values `[A-Za-z0-9]` only (spec 2.1 sip_headers, from
 * the `<User>` rules), decoded to a record.
 */
export function sipHeaders() {
  const re = /^[A-Za-z0-9]+=[A-Za-z0-9]+(,[A-Za-z0-9]+=[A-Za-z0-9]+)*$/;
  return pattern(re, 'name=value pairs separated by commas, letters and digits only', 4096).transform((s) =>
    pairs(s, '='),
  );
}

/** `header:value,header:value` (spec 3.5 extra_headers), decoded to a record. */
export function extraHeaders() {
  const re = /^[A-Za-z0-9-]+:[^,:\r\n]*(,[A-Za-z0-9-]+:[^,:\r\n]*)*$/;
  return pattern(re, 'header:value pairs separated by commas', 4096).transform((s) => pairs(s, ':'));
}

function pairs(s: string, sep: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of s.split(',')) {
    const at = pair.indexOf(sep);
    out[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return out;
}

/** Drops the keys whose value is undefined (partial updates apply only what was sent). */
export function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
