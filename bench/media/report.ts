import { readFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';

export interface MachineInfo {
  cores: number;
  cpu: string;
  kernel: string;
  /** net.core.rmem_max: the most a socket's SO_RCVBUF can get. */
  rmemMax: number | null;
  /** Soft limit on open files of this process (and of the children it starts). */
  openFiles: number | null;
  loadAtStart: number;
}

function readNumber(path: string): number | null {
  try {
    return Number(readFileSync(path, 'utf8').trim());
  } catch {
    return null;
  }
}

/** The soft "Max open files" of /proc/self/limits: every RTP endpoint holds two sockets. */
export function openFilesLimit(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    return soft === undefined || soft === 'unlimited' ? null : Number(soft);
  } catch {
    return null;
  }
}

export function load1(): number {
  return Math.round(loadavg()[0] * 100) / 100;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cores: list.length,
    cpu: list[0]?.model ?? 'unknown',
    kernel: release(),
    rmemMax: readNumber('/proc/sys/net/core/rmem_max'),
    openFiles: openFilesLimit(),
    loadAtStart: load1(),
  };
}

/** Rows (the first is the header) as a Markdown table with aligned columns. */
export function formatTable(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(rows[0]), rule, ...rows.slice(1).map(line)].join('\n');
}

/** A number with thousands separators and at most `digits` decimals. */
export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
