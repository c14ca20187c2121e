import type { PlayVerb, SpeakVerb, Verb, WaitVerb } from '../../schemas/xml/index.ts';
import { HANGUP_CAUSES, type HangupCause } from '../calls/hangup-cause.ts';
import type { Logger } from '../util/log.ts';
import { WebhookError } from '../webhooks/webhook-client.ts';
import type { Webhooks } from '../webhooks/webhook-types.ts';
import { ParseCache } from './parser/parse-cache.ts';
import type { FetchPurpose, HttpMethod, WebhookParams } from './verb.ts';

export interface DocumentRequest {
  url: string;
  method: HttpMethod;
  params: WebhookParams;
  purpose: FetchPurpose;
  /** Tried once the URL failed (unreachable, error status or invalid XML): the fallback URL. */
  fallback?: { url: string; method: HttpMethod };
}

export type LoadResult =
  | { ok: true; verbs: Verb[]; url: string }
  | { ok: false; cause: HangupCause; reason: string };

/** The hangup causes of spec rest-api 6.2 (URL errors 70xx, XML errors 80xx) per purpose. */
const CAUSES: Record<FetchPurpose, { unreachable: HangupCause; invalid: HangupCause }> = {
  answer: { unreachable: HANGUP_CAUSES.answerUrlError, invalid: HANGUP_CAUSES.invalidAnswerXml },
  action: { unreachable: HANGUP_CAUSES.actionUrlError, invalid: HANGUP_CAUSES.invalidActionXml },
  redirect: { unreachable: HANGUP_CAUSES.redirectUrlError, invalid: HANGUP_CAUSES.invalidRedirectXml },
  transfer: { unreachable: HANGUP_CAUSES.transferUrlError, invalid: HANGUP_CAUSES.invalidTransferXml },
};

/**
 * Fetches a VobizXML document and validates it. A failure (unreachable, error status, wrong
 * content type, too large, invalid XML) falls back to the fallback URL when there is one
 * (spec 1.3), and otherwise comes back as the hangup cause with a reason for the log.
 */
export class DocumentLoader {
  /**
   * The same document text is parsed and validated once per process (bounded LRU, frozen
   * results): a loader lives for one call, and an application answers every call with the
   * same few documents, so the cache is shared by every loader.
   */
  static readonly parsed = new ParseCache();

  constructor(
    private readonly webhooks: Webhooks,
    private readonly log: Logger,
    private readonly parsed: ParseCache = DocumentLoader.parsed,
  ) {}

  async load(req: DocumentRequest, signal: AbortSignal): Promise<LoadResult> {
    const first = await this.attempt(req.url, req.method, req, signal);
    if (first.ok || !req.fallback || signal.aborted) return first;
    this.log.warn(
      { url: withoutQuery(req.url), reason: first.reason },
      'document failed: trying the fallback URL',
    );
    const second = await this.attempt(req.fallback.url, req.fallback.method, req, signal, 'fallback');
    if (second.ok) return second;
    return { ok: false, cause: second.cause, reason: `${first.reason}; fallback: ${second.reason}` };
  }

  /**
   * A prompts document (confirmSound, dialMusic, waitSound): only Play, Speak and Wait are
   * kept (spec 2.0.1); a failure gives an empty list, logged.
   */
  async loadSound(
    url: string,
    method: HttpMethod,
    params: WebhookParams,
    signal: AbortSignal,
  ): Promise<Array<SpeakVerb | PlayVerb | WaitVerb>> {
    try {
      const doc = await this.webhooks.fetchDocument(
        { url, method, params, purpose: 'sound', callUuid: params.CallUUID },
        { signal },
      );
      const parsed = this.parsed.parse(doc.text, 'sound');
      if (!parsed.ok) {
        this.log.warn(
          { url: withoutQuery(url), problem: parsed.errors[0]?.message },
          'sound document invalid: nothing played',
        );
        return [];
      }
      return parsed.document.verbs.filter(
        (v): v is SpeakVerb | PlayVerb | WaitVerb =>
          v.verb === 'Speak' || v.verb === 'Play' || v.verb === 'Wait',
      );
    } catch (err) {
      this.log.warn(
        { url: withoutQuery(url), err: (err as Error).message },
        'sound document not fetched: nothing played',
      );
      return [];
    }
  }

  private async attempt(
    url: string,
    method: HttpMethod,
    req: DocumentRequest,
    signal: AbortSignal,
    purpose: string = req.purpose,
  ): Promise<LoadResult> {
    const causes = CAUSES[req.purpose];
    let text: string;
    try {
      const doc = await this.webhooks.fetchDocument(
        { url, method, params: req.params, purpose, callUuid: req.params.CallUUID },
        { signal },
      );
      text = doc.text;
    } catch (err) {
      if (err instanceof WebhookError) {
        // A document served with the wrong content type, or over 100 KB, is invalid XML (spec 1.1).
        const invalid = err.code === 'CONTENT_TYPE' || err.code === 'TOO_LARGE';
        const cause = invalid ? causes.invalid : causes.unreachable;
        return { ok: false, cause, reason: `${err.code}: ${err.message}` };
      }
      throw err;
    }
    const parsed = this.parsed.parse(text);
    for (const w of parsed.warnings) {
      this.log.warn({ url: withoutQuery(url), code: w.code, at: where(w) }, w.message);
    }
    if (!parsed.ok) {
      const first = parsed.errors[0];
      const reason = `invalid XML from ${withoutQuery(url)}: ${first ? `${where(first)} ${first.message}` : 'unknown error'}${parsed.errors.length > 1 ? ` (+${parsed.errors.length - 1} more)` : ''}`;
      return { ok: false, cause: causes.invalid, reason };
    }
    return { ok: true, verbs: parsed.document.verbs, url };
  }
}

function where(p: { path?: string; line?: number; col?: number }): string {
  const at = p.line !== undefined ? `${p.line}:${p.col ?? 1}` : '';
  return [at, p.path].filter(Boolean).join(' ');
}

function withoutQuery(url: string): string {
  const i = url.search(/[?#]/);
  return i < 0 ? url : url.slice(0, i);
}
