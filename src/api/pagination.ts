/** Style A (spec 1.7) `meta`: limit, offset, relative next/previous URLs, total_count. */
export interface MetaA {
  limit: number;
  offset: number;
  next: string | null;
  previous: string | null;
  total_count: number;
}

/**
 * `next` / `previous` are relative URLs like `/v1/Account/MA_X/Recording/?limit=20&offset=20`
 * (spec 1.7); the request's other query parameters (filters) are kept.
 */
export function metaA(base: string, query: unknown, limit: number, offset: number, total: number): MetaA {
  const link = (to: number) => {
    const q = new URLSearchParams();
    if (query && typeof query === 'object') {
      for (const [k, v] of Object.entries(query)) {
        if (k !== 'limit' && k !== 'offset' && typeof v === 'string') q.set(k, v);
      }
    }
    q.set('limit', String(limit));
    q.set('offset', String(to));
    return `${base}?${q.toString()}`;
  };
  return {
    limit,
    offset,
    next: offset + limit < total ? link(offset + limit) : null,
    previous: offset > 0 ? link(Math.max(0, offset - limit)) : null,
    total_count: total,
  };
}
