import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DEFAULT_MEMORY_CDR_LIMIT } from './store/memory-store.ts';

const listenSchema = z
  .string()
  .regex(
    /^(udp|tcp|tls|ws|wss):(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/,
    'expected PROTOCOL:HOST:PORT, e.g. udp:0.0.0.0:5060',
  );

const hostPortSchema = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/, 'expected HOST:PORT');

const portRangeSchema = z
  .string()
  .regex(/^\d{1,5}-\d{1,5}$/, 'expected LOW-HIGH')
  .refine((s) => {
    const [lo, hi] = s.split('-').map(Number);
    return lo > 0 && hi < 65536 && lo <= hi;
  }, 'LOW must be <= HIGH, both within 1-65535');

const methodSchema = z.enum(['GET', 'POST']);

/** An on/off setting: a boolean in the file, `true`/`false`/`1`/`0` in the environment. */
const flag = (byDefault: boolean) =>
  z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
    .default(byDefault)
    .transform((v) => v === true || v === 'true' || v === '1');

/** An application: where its call flow comes from (Vobiz's answer/hangup/fallback URLs). */
export const applicationSchema = z.object({
  name: z.string().min(1).optional(),
  answerUrl: z.string().url(),
  answerMethod: methodSchema.default('POST'),
  hangupUrl: z.string().url().optional(),
  hangupMethod: methodSchema.default('POST'),
  fallbackUrl: z.string().url().optional(),
  fallbackMethod: methodSchema.default('POST'),
  /** The spec's sip_transfer_url: decides on REFERs (transfers) of this application's calls. */
  transferUrl: z.string().url().optional(),
  transferMethod: methodSchema.default('POST'),
});

/** A routing-table entry: a number or SIP user (or '*') and its application. */
export const routeSchema = applicationSchema.extend({ match: z.string().min(1) });

/** The configuration file (YAML) and the environment variables of the design's contract table. */
export const configSchema = z.object({
  sipListen: z.array(listenSchema).min(1),
  publicHost: z.string().min(1),
  httpListen: hostPortSchema,
  /** Unset: the HTTP server's own address (as bound). */
  publicUrl: z.string().url().optional(),
  rtpPorts: portRangeSchema,
  answerUrl: z.string().url().optional(),
  answerMethod: methodSchema.default('POST'),
  hangupUrl: z.string().url().optional(),
  hangupMethod: methodSchema.default('POST'),
  fallbackUrl: z.string().url().optional(),
  fallbackMethod: methodSchema.default('POST'),
  /** Inbound calls by number or SIP user; calls that match none go to answerUrl (or the demo). */
  routes: z.array(routeSchema).default([]),
  /** Webhook targets: CIDRs refused or allowed beyond the default policy (link-local refused). */
  webhookAllow: z.array(z.string()).default([]),
  webhookDeny: z.array(z.string()).default([]),
  /**
   * Accept SIP REFER (transfers asked by a party of the call) when the application has no
   * transfer URL to decide. Off by default: an open REFER is a toll-fraud path.
   */
  acceptRefer: flag(false),
  /** Gather without input requests its action with empty Digits (otherwise the next verb runs). */
  gatherActionOnEmpty: z.boolean().default(false),
  /** Seconds without RTP from an answered peer before the call ends (6020 Media Timeout); 0: never. */
  mediaTimeout: z.coerce.number().int().min(0).default(60),
  /** Calls up at once (rest-api 1.8 concurrency); more are refused (SIP 503, REST 429). 0: no limit. */
  maxCalls: z.coerce.number().int().min(0).default(0),
  /** Call starts per second (rest-api 1.8 CPS), inbound and REST together; 0: no limit. */
  maxCps: z.coerce.number().int().min(0).default(0),
  /**
   * New calls are refused (503) while the event loop has lately run this many ms late: an
   * overloaded node sheds new calls instead of making every call wait. 0: never.
   */
  maxLoopLag: z.coerce.number().int().min(0).default(500),
  /**
   * New calls are refused (503) while the event loop has been busy this % of the last two
   * seconds: a saturated node sheds new calls and keeps the ones it has. 0: never.
   */
  maxLoad: z.coerce.number().int().min(0).max(100).default(99),
  /**
   * Webhook requests run on a worker thread of their own (their HTTP/TLS work off the thread
   * of SIP and the media clock); false: on the main thread.
   */
  webhookThread: flag(true),
  /**
   * UDP listeners send from a thread of their own (the kernel's delivery of each datagram off
   * the thread of SIP and the media clock); false: from the main thread.
   */
  sipSendThread: flag(true),
  authId: z.string().min(1).optional(),
  authToken: z.string().min(1).optional(),
  outboundProxy: z.string().optional(),
  redisUrl: z.string().optional(),
  /** CDRs the in-memory store keeps (the newest; 0: all). Redis keeps every CDR. */
  memoryCdrs: z.coerce.number().int().min(0).default(DEFAULT_MEMORY_CDR_LIMIT),
  /** This node's name in shared state (which node runs a call); default: the host name. */
  nodeId: z.string().min(1).optional(),
  dataDir: z.string().min(1),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
});

export type Config = z.infer<typeof configSchema>;

const ENV: Record<string, keyof Config> = {
  PATCHBAY_SIP_LISTEN: 'sipListen',
  PATCHBAY_PUBLIC_HOST: 'publicHost',
  PATCHBAY_HTTP_LISTEN: 'httpListen',
  PATCHBAY_PUBLIC_URL: 'publicUrl',
  PATCHBAY_RTP_PORTS: 'rtpPorts',
  PATCHBAY_ANSWER_URL: 'answerUrl',
  PATCHBAY_HANGUP_URL: 'hangupUrl',
  PATCHBAY_AUTH_ID: 'authId',
  PATCHBAY_AUTH_TOKEN: 'authToken',
  PATCHBAY_OUTBOUND_PROXY: 'outboundProxy',
  PATCHBAY_ACCEPT_REFER: 'acceptRefer',
  PATCHBAY_REDIS_URL: 'redisUrl',
  PATCHBAY_MEMORY_CDRS: 'memoryCdrs',
  PATCHBAY_NODE_ID: 'nodeId',
  PATCHBAY_MEDIA_TIMEOUT: 'mediaTimeout',
  PATCHBAY_MAX_CALLS: 'maxCalls',
  PATCHBAY_MAX_CPS: 'maxCps',
  PATCHBAY_MAX_LOOP_LAG: 'maxLoopLag',
  PATCHBAY_MAX_LOAD: 'maxLoad',
  PATCHBAY_WEBHOOK_THREAD: 'webhookThread',
  PATCHBAY_SIP_SEND_THREAD: 'sipSendThread',
  PATCHBAY_DATA_DIR: 'dataDir',
  PATCHBAY_LOG_LEVEL: 'logLevel',
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** First non-loopback IPv4 address of the machine, else 127.0.0.1. */
export function defaultPublicHost(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/**
 * Loads the configuration: defaults, then the YAML file (keys as in `Config`, or the
 * environment names), then environment variables, which win. Throws ConfigError naming
 * every bad field.
 */
export function loadConfig(opts: { file?: string; env?: NodeJS.ProcessEnv } = {}): Config {
  const env = opts.env ?? process.env;
  const raw: Record<string, unknown> = {
    sipListen: 'udp:0.0.0.0:5060,tcp:0.0.0.0:5060',
    httpListen: '127.0.0.1:8080',
    rtpPorts: '20000-29999',
    dataDir: './data',
    logLevel: 'info',
  };
  if (opts.file) {
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(opts.file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`${opts.file}: ${(err as Error).message}`);
    }
    if (doc !== null && typeof doc === 'object') {
      for (const [k, v] of Object.entries(doc)) raw[ENV[k] ?? k] = v;
    } else if (doc !== null && doc !== undefined) {
      throw new ConfigError(`${opts.file}: expected a mapping of settings`);
    }
  }
  for (const [name, key] of Object.entries(ENV)) {
    const v = env[name];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  if (typeof raw.sipListen === 'string') raw.sipListen = raw.sipListen.split(',').map((s) => s.trim());
  raw.publicHost ??= defaultPublicHost();
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}
