import { randomBytes } from 'node:crypto';
import type { Config } from './config.ts';
import { UserAgent } from './sip/ua/user-agent.ts';
import type { Logger } from './util/log.ts';

export interface Patchbay {
  readonly ua: UserAgent;
  readonly authId: string;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Destinations the SIP stack may send to (tests: loopback only). */
  egress?: (address: string) => boolean;
}

/** The reason given to callers until the call engine answers calls. */
export const NO_CALL_ENGINE = 'Temporarily Unavailable - no call engine yet';

/** Wires the layers together and starts listening. */
export async function startPatchbay(
  config: Config,
  logger: Logger,
  opts: StartOptions = {},
): Promise<Patchbay> {
  const authId = config.authId ?? `MA${randomBytes(9).toString('hex').toUpperCase()}`;
  if (!config.authId || !config.authToken) {
    const authToken = config.authToken ?? randomBytes(24).toString('base64url');
    logger.info(
      { authId, authToken },
      'REST credentials generated: set PATCHBAY_AUTH_ID and PATCHBAY_AUTH_TOKEN to keep them',
    );
  }
  const ua = await UserAgent.start({
    listen: config.sipListen,
    publicHost: config.publicHost,
    logger: logger.child({ layer: 'sip' }),
    egress: opts.egress,
  });
  ua.onInvite((req, uas) => {
    logger.info(
      { callId: req.callId, from: req.from.uri.toString(), to: req.uri.toString() },
      'INVITE refused: no call engine yet',
    );
    uas.reject(480, { reason: NO_CALL_ENGINE });
  });
  logger.info({ sip: ua.listening.map((l) => `${l.protocol}:${l.address}:${l.port}`) }, 'Patchbay listening');
  return {
    ua,
    authId,
    close: () => ua.close(),
  };
}
