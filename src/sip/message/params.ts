/** Parameters of a URI, Via or name-addr: names lower-cased, value `null` for a flag. */
export type Params = Map<string, string | null>;

export function formatParams(params: Params): string {
  let out = '';
  for (const [name, value] of params) out += value === null ? `;${name}` : `;${name}=${value}`;
  return out;
}

export function cloneParams(params: Params): Params {
  return new Map(params);
}
