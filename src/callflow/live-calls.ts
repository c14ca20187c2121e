import type { Call } from '../calls/call.ts';
import type { CallStore, CdrStore, LiveCallRecord, LiveCallStatus } from '../store/types.ts';
import type { Logger } from '../util/log.ts';
import type { CallFlow } from './call-flow.ts';
import { buildCdr, type CdrInput } from './cdr.ts';

/** One call this node runs, from the API request (or the INVITE) until its hangup URL was told. */
export interface LiveEntry {
  readonly record: LiveCallRecord;
  /** Once the call exists (an API call: once answered). */
  call?: Call;
  flow?: CallFlow;
  /** Ends a call that has no Call yet (queued or ringing API call): CANCEL, cause 1000. */
  cancel?: () => void;
}

/**
 * The calls this node runs, by CallUUID, published to the store so that the REST API (of
 * any node) can list and find them. A store that fails never stops a call: the failure is
 * logged and the store's own retry (the Redis backend's outbox) catches up.
 */
export class LiveCalls {
  private readonly entries = new Map<string, LiveEntry>();

  constructor(
    private readonly store: { calls: CallStore; cdrs: CdrStore },
    readonly nodeId: string,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(uuid: string): LiveEntry | undefined {
    return this.entries.get(uuid);
  }

  values(): IterableIterator<LiveEntry> {
    return this.entries.values();
  }

  add(record: Omit<LiveCallRecord, 'node_id'>): LiveEntry {
    const entry: LiveEntry = { record: { ...record, node_id: this.nodeId } };
    this.entries.set(record.call_uuid, entry);
    this.publish(entry);
    return entry;
  }

  /** Moves the call to `status` (and stamps answered_at on in-progress). */
  setStatus(uuid: string, status: LiveCallStatus): void {
    const entry = this.entries.get(uuid);
    if (!entry || entry.record.call_status === status) return;
    entry.record.call_status = status;
    if (status === 'in-progress') entry.record.answered_at ??= new Date().toISOString();
    this.publish(entry);
  }

  /** The call is over: its CDR is written and it leaves the live list. */
  finish(uuid: string, cdr: CdrInput): void {
    this.store.cdrs
      .add(buildCdr(cdr))
      .catch((err) => this.log.error({ err, callUuid: uuid }, 'CDR not written'));
    this.remove(uuid);
  }

  remove(uuid: string): void {
    if (!this.entries.delete(uuid)) return;
    this.store.calls
      .remove(uuid)
      .catch((err) => this.log.warn({ err, callUuid: uuid }, 'live call not removed from the store'));
  }

  private publish(entry: LiveEntry): void {
    // Both stores copy the record before put() first yields: no copy of our own.
    this.store.calls
      .put(entry.record)
      .catch((err) =>
        this.log.warn({ err, callUuid: entry.record.call_uuid }, 'live call not published to the store'),
      );
  }
}
