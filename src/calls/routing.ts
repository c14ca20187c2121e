import type { HttpMethod } from '../callflow/verb.ts';

/** The URLs of one application (Vobiz's Application object, the answer/hangup/fallback triple). */
export interface Application {
  name: string;
  answerUrl: string;
  answerMethod: HttpMethod;
  /** Defaults to the answer URL, as Vobiz applications do. */
  hangupUrl: string;
  hangupMethod: HttpMethod;
  fallbackUrl?: string;
  fallbackMethod: HttpMethod;
  /**
   * The spec's sip_transfer_url: asked (Event=Transfer, TransferStatus=requested) whether a
   * REFER from a party of the call is accepted, then told how the transfer went.
   */
  transferUrl?: string;
  transferMethod?: HttpMethod;
}

export interface Route {
  /** A number (with or without '+'), a SIP user part, or '*' for everything else. */
  match: string;
  app: Application;
}

const normalize = (user: string) => user.replace(/^\+/, '').toLowerCase();

/** Picks the application of an inbound call from the Request-URI's user part. */
export class CallRouter {
  private readonly exact = new Map<string, Application>();
  private readonly fallback?: Application;

  constructor(routes: readonly Route[], defaultApp?: Application) {
    let wildcard: Application | undefined;
    for (const r of routes) {
      if (r.match === '*') wildcard ??= r.app;
      else if (!this.exact.has(normalize(r.match))) this.exact.set(normalize(r.match), r.app);
    }
    this.fallback = wildcard ?? defaultApp;
  }

  /** The application for `user`, or undefined: the INVITE then gets 404 (DESIGN 1). */
  route(user: string): Application | undefined {
    return this.exact.get(normalize(user)) ?? this.fallback;
  }
}
