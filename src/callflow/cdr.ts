import type { CallEnd } from '../calls/call.ts';
import type { RtpLegStats } from '../media/rtp/rtp-stats.ts';
import type { CdrRecord, Direction } from '../store/types.ts';
import { ownString } from '../util/own-string.ts';

/** What a finished call leaves behind, whether or not it was ever answered. */
export interface CdrInput {
  uuid: string;
  accountId: string;
  direction: Direction;
  from: string;
  to: string;
  callerName: string;
  startedAt: Date;
  progressAt?: Date;
  answeredAt?: Date;
  endedAt: Date;
  end: CallEnd;
  /** Who ended it on the wire: send_bye, recv_bye, send_cancel, recv_cancel, send_refuse, recv_refuse. */
  disposition: string;
  sipCallId: string;
  userAgent: string;
  networkAddr: string;
  parentCallUuid?: string;
  bridgeUuid?: string;
  stats?: RtpLegStats;
  codec?: string;
}

const seconds = (from: Date, to: Date): number =>
  Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000));

/**
 * A rough listening-quality MOS from what RTCP-less receive statistics give (jitter, loss),
 * after the ITU-T G.107 E-model's simplified form; 0 when no media came.
 */
export function estimateMos(stats: RtpLegStats | undefined): number {
  if (!stats || stats.packetsReceived === 0) return 0;
  const delay = (stats.rttMs ?? 0) / 2 + stats.jitterMs * 2 + 10;
  const lossPct = stats.fractionLost * 100;
  let r = 93.2 - (delay < 160 ? delay / 40 : (delay - 120) / 10) - lossPct * 2.5;
  r = Math.min(100, Math.max(0, r));
  const mos = 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r);
  return Math.round(Math.min(4.5, Math.max(1, mos)) * 100) / 100;
}

/**
 * The CDR of a finished call (REST 4.6), in the store's shape. Strings read from SIP messages
 * are copied: a slice would keep the whole INVITE's text alive as long as the CDR is kept.
 */
export function buildCdr(c: CdrInput): CdrRecord {
  const now = new Date().toISOString();
  return {
    uuid: c.uuid,
    account_id: c.accountId,
    call_direction: c.direction,
    caller_id_name: ownString(c.callerName),
    caller_id_number: ownString(c.from),
    destination_number: ownString(c.to),
    start_time: c.startedAt.toISOString(),
    progress_time: c.progressAt?.toISOString() ?? null,
    answer_time: c.answeredAt?.toISOString() ?? null,
    end_time: c.endedAt.toISOString(),
    duration: seconds(c.startedAt, c.endedAt),
    billsec: c.answeredAt ? seconds(c.answeredAt, c.endedAt) : 0,
    ring_time: seconds(c.startedAt, c.answeredAt ?? c.endedAt),
    hangup_cause: c.end.cause.text,
    hangup_cause_code: c.end.cause.code,
    hangup_cause_name: c.end.cause.name,
    hangup_source: c.end.source,
    hangup_disposition: c.disposition,
    sip_call_id: ownString(c.sipCallId),
    sip_user_agent: ownString(c.userAgent),
    codec: c.codec ?? '',
    network_addr: ownString(c.networkAddr),
    context: 'voice-api',
    parent_call_uuid: c.parentCallUuid ?? null,
    bridge_uuid: c.bridgeUuid ?? null,
    mos: estimateMos(c.stats),
    jitter: Math.round((c.stats?.jitterMs ?? 0) * 100) / 100,
    packet_loss: Math.round((c.stats?.fractionLost ?? 0) * 10000) / 100,
    created_at: now,
    updated_at: now,
  };
}

/** The wire-level disposition from who ended the call and whether it was answered. */
export function dispositionOf(end: CallEnd, answered: boolean, direction: Direction): string {
  const remote = end.source === 'Caller' || end.source === 'Callee' || end.source === 'Carrier';
  if (answered) return remote ? 'recv_bye' : 'send_bye';
  if (direction === 'inbound') return remote ? 'recv_cancel' : 'send_refuse';
  return remote ? 'recv_refuse' : 'send_cancel';
}
