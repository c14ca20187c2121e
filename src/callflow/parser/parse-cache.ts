import { type ParseOptions, type ParseResult, parseVobizXml } from './parse-vobiz-xml.ts';

/**
 * parseVobizXml with a bounded LRU of valid documents keyed by their text: an application
 * usually answers every call with the same few documents, and the parse + schema check is
 * the costly part of a fetch (bench/README.md, dial-cps).
 *
 * Cached results are deep-frozen: the verbs are shared between calls, so a consumer that
 * tried to change one would throw instead of leaking its change into the next call. Only
 * valid documents of at most MAX_CACHED_CHARS are kept (errors carry nothing worth
 * sharing, and a hostile stream of distinct large documents must not pin memory).
 */
export class ParseCache {
  private readonly entries = new Map<string, ParseResult>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly maxEntries = 256,
    private readonly maxChars = MAX_CACHED_CHARS,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  parse(text: string, context: NonNullable<ParseOptions['context']> = 'call'): ParseResult {
    if (text.length > this.maxChars || this.maxEntries === 0) {
      this.misses++;
      return parseVobizXml(text, { context });
    }
    const key = context === 'call' ? text : `${context}\u0000${text}`;
    const hit = this.entries.get(key);
    if (hit) {
      this.hits++;
      // Most recently used last: Map keeps insertion order.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    this.misses++;
    const result = parseVobizXml(text, { context });
    if (!result.ok) return result;
    deepFreeze(result);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, result);
    return result;
  }
}

/** Documents longer than this (UTF-16 units) are parsed every time. */
export const MAX_CACHED_CHARS = 16 * 1024;

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
}
