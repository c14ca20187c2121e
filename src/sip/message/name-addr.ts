import { cloneParams, formatParams, type Params } from './params.ts';
import type { Uri } from './uri.ts';

/**
 * A name-addr or addr-spec with header parameters (From, To, Contact, Route, Record-Route,
 * Refer-To ...). `displayName` is unquoted and unescaped. A Contact of `*` has `wildcard`.
 */
export class NameAddr {
  displayName?: string;
  uri: Uri;
  params: Params;
  wildcard: boolean;

  constructor(uri: Uri, opts: { displayName?: string; params?: Params; wildcard?: boolean } = {}) {
    this.uri = uri;
    this.displayName = opts.displayName;
    this.params = opts.params ?? new Map();
    this.wildcard = opts.wildcard ?? false;
  }

  get tag(): string | undefined {
    return this.params.get('tag') ?? undefined;
  }

  set tag(value: string | undefined) {
    if (value === undefined) this.params.delete('tag');
    else this.params.set('tag', value);
  }

  param(name: string): string | null | undefined {
    return this.params.get(name.toLowerCase());
  }

  clone(): NameAddr {
    return new NameAddr(this.uri.clone(), {
      displayName: this.displayName,
      params: cloneParams(this.params),
      wildcard: this.wildcard,
    });
  }

  toString(): string {
    if (this.wildcard) return '*';
    const dn = this.displayName ? `${quote(this.displayName)} ` : '';
    return `${dn}<${this.uri.toString()}>${formatParams(this.params)}`;
  }
}

/** Quotes a display name, escaping `"` and `\` (RFC 3261 25.1 quoted-pair). */
export function quote(s: string): string {
  return `"${s.replace(/(["\\])/g, '\\$1')}"`;
}
