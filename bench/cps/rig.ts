import type { TargetName } from './options.ts';

/** Live-state counts that a target reports about itself (Patchbay: transactions, dialogs ...). */
export type StateCounts = Record<string, number>;

/**
 * One system under test, between the load UAC and (for the references) a SIPp UAS:
 *   sipp:     SIPp UAC -> SIPp UAS                      (the machine's ceiling)
 *   kamailio: SIPp UAC -> Kamailio (tm, record-route) -> SIPp UAS
 *   patchbay: SIPp UAC -> Patchbay test UAS
 * A rig stays up across probes and is restarted after a failed one.
 */
export interface TargetRig {
  readonly name: TargetName;
  /** host:port that the load UAC calls. */
  readonly remote: string;
  /** UDP port of the SIPp UAS that answers, or null when the target answers itself. */
  readonly sippUasPort: number | null;
  start(): Promise<void>;
  /** Stops every process of the rig; idempotent. */
  stop(): Promise<void>;
  /** False once a process of the rig has died (a probe then fails as target-exit). */
  alive(): boolean;
  /** The rig's own processes to measure, by name (the SIPp ends are measured by the probe). */
  cpuGroups(): Record<string, number[]>;
  /** What the target says it still holds, or null when it cannot tell. */
  counts(): Promise<StateCounts | null>;
}

/** The direct reference: nothing between the two SIPp ends. */
export class SippRig implements TargetRig {
  readonly name = 'sipp';
  readonly remote: string;

  constructor(readonly sippUasPort: number) {
    this.remote = `127.0.0.1:${sippUasPort}`;
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  alive(): boolean {
    return true;
  }
  cpuGroups(): Record<string, number[]> {
    return {};
  }
  async counts(): Promise<StateCounts | null> {
    return null;
  }
}
