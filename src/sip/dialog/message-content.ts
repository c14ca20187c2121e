import type { SipMessage } from '../message/message.ts';

/** Extra header lines by name; an array gives one line per value. Typed headers (Contact, Route ...) are refused. */
export type ExtraHeaders = Readonly<Record<string, string | readonly string[]>>;

/** What an application may put into a request or response it asks the stack to send. */
export interface MessageContent {
  headers?: ExtraHeaders;
  body?: string | Buffer;
  /** Defaults to application/sdp when there is a body. */
  contentType?: string;
}

/** Adds the extra headers and the body; throws a TypeError for a typed header name (a programming error). */
export function applyContent(msg: SipMessage, content: MessageContent | undefined): void {
  if (!content) return;
  if (content.headers) {
    for (const name of Object.keys(content.headers)) {
      const value = content.headers[name];
      if (typeof value === 'string') msg.add(name, value);
      else for (const v of value) msg.add(name, v);
    }
  }
  if (content.body !== undefined && content.body.length > 0) {
    msg.body = typeof content.body === 'string' ? Buffer.from(content.body, 'utf8') : content.body;
    msg.contentType = content.contentType ?? 'application/sdp';
  }
}

/** The body as text, or undefined when empty. */
export function bodyText(msg: SipMessage): string | undefined {
  return msg.body.length > 0 ? msg.body.toString('utf8') : undefined;
}
