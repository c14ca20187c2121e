/** The counters of one SIPp run, from the last row of its `-trace_stat` CSV. */
export interface SippStats {
  /** `TotalCallCreated`: calls started (UAC) or received (UAS). */
  created: number;
  /** `SuccessfulCall(C)`. */
  successful: number;
  /** `FailedCall(C)`. */
  failed: number;
  /** `CurrentCall`: calls still open when the row was written. */
  current: number;
  /** `CallRate(C)`: calls per second over the whole run, as SIPp computes it. */
  callRate: number;
  /** `Retransmissions(C)`. */
  retransmissions: number;
  /** `OutOfCallMsgs(C)` + `DeadCallMsgs(C)`: messages that matched no live call. */
  strayMessages: number;
  /** Seconds from `StartTime` to `CurrentTime` of the row (sub-second, unlike `ElapsedTime`). */
  elapsed: number;
  /** The non-zero `Failed...(C)` columns by cause, e.g. `{ FailedMaxUDPRetrans: 3 }`. */
  failures: Record<string, number>;
}

/**
 * Parses SIPp's statistics CSV (`-trace_stat -stf FILE`): `;`-separated, one header row,
 * then one row per `-fd` period and a last one at exit. Returns the last complete row, or
 * null while the file has none (SIPp writes the header first).
 */
export function parseSippStats(csv: string): SippStats | null {
  const lines = csv.split('\n');
  const header = lines[0]?.split(';');
  if (!header || header.length < 10) return null;
  let row: string[] | undefined;
  for (let i = lines.length - 1; i > 0 && !row; i--) {
    const cells = lines[i].split(';');
    if (cells.length === header.length) row = cells;
  }
  if (!row) return null;
  const cells = row;
  const col = (name: string): number => {
    const i = header.indexOf(name);
    return i < 0 ? 0 : Number(cells[i]) || 0;
  };
  const failures: Record<string, number> = {};
  for (let i = 0; i < header.length; i++) {
    const name = header[i];
    if (name.startsWith('Failed') && name !== 'FailedCall(C)' && name.endsWith('(C)')) {
      const n = Number(cells[i]) || 0;
      if (n > 0) failures[name.slice(0, -3)] = n;
    }
  }
  return {
    created: col('TotalCallCreated'),
    successful: col('SuccessfulCall(C)'),
    failed: col('FailedCall(C)'),
    current: col('CurrentCall'),
    callRate: col('CallRate(C)'),
    retransmissions: col('Retransmissions(C)'),
    strayMessages: col('OutOfCallMsgs(C)') + col('DeadCallMsgs(C)'),
    elapsed: epoch(cells[header.indexOf('CurrentTime')]) - epoch(cells[header.indexOf('StartTime')]),
    failures,
  };
}

/** A SIPp time cell is "date<TAB>time<TAB>epoch.micros"; the epoch is the useful part. */
function epoch(cell: string | undefined): number {
  if (!cell) return 0;
  const tab = cell.lastIndexOf('\t');
  return Number(cell.slice(tab + 1)) || 0;
}
