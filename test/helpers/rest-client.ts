/** Parsed JSON of an API answer: tests read fields freely. */
// biome-ignore lint/suspicious/noExplicitAny: test helper over arbitrary JSON bodies
export type Json = any;

export interface ApiAnswer {
  status: number;
  json: Json;
}

/**
 * A REST client for one account of a Patchbay API at `origin`: `api('POST', '/Call/', body)`
 * sends JSON with the account's X-Auth-ID / X-Auth-Token and parses the answer (undefined when
 * the body is empty).
 */
export function restClient(
  origin: string | (() => string),
  authId: string,
  authToken: string,
): (method: string, path: string, body?: unknown) => Promise<ApiAnswer> {
  return async (method, path, body) => {
    const base = typeof origin === 'function' ? origin() : origin;
    const res = await fetch(`${base}/api/v1/Account/${authId}${path}`, {
      method,
      headers: {
        'X-Auth-ID': authId,
        'X-Auth-Token': authToken,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
}
