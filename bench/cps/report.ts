import { cpus, release } from 'node:os';
import type { TargetResult } from './measure-target.ts';
import type { CpsOptions } from './options.ts';

/** The shape of bench/results/sip-cps.json. */
export interface CpsReport {
  bench: 'sip-cps';
  date: string;
  node: string;
  machine: { cores: number; cpu: string; kernel: string; rmemMax: number | null; loadAtStart: number };
  settings: {
    seconds: number;
    rates: number[] | null;
    start: number;
    step: number;
    minRatio: number;
    retries: number;
    bufSize: number;
    kamailioWorkers: number;
  };
  /** CPU figures are % of one core; the machine has cores x 100 %. */
  targets: TargetResult[];
}

export function buildReport(
  opts: CpsOptions,
  targets: TargetResult[],
  rmemMax: number | null,
  loadAtStart: number,
): CpsReport {
  const cpuList = cpus();
  return {
    bench: 'sip-cps',
    date: new Date().toISOString(),
    node: process.version,
    machine: {
      cores: cpuList.length,
      cpu: cpuList[0]?.model ?? 'unknown',
      kernel: release(),
      rmemMax,
      loadAtStart,
    },
    settings: {
      seconds: opts.seconds,
      rates: opts.rates,
      start: opts.start,
      step: opts.step,
      minRatio: opts.minRatio,
      retries: opts.retries,
      bufSize: opts.bufSize,
      kamailioWorkers: opts.workers,
    },
    targets,
  };
}

/** The summary table printed at the end of a run (and pasted into bench/README.md). */
export function formatTable(report: CpsReport): string {
  const rows = [
    ['target', 'path', 'best rate', 'achieved cps', 'CPU % of one core (at best rate)', 'probes'],
  ];
  for (const t of report.targets) {
    const cpu = t.best
      ? Object.entries(t.best.cpu)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')
      : '';
    const probes = t.probes.map((p) => `${p.rate}${p.ok ? '' : '✗'}`).join(' ');
    rows.push([
      t.target,
      t.path,
      t.error ? 'error' : t.best ? String(t.best.rate) : 'none',
      t.best ? String(t.best.cps) : '',
      cpu,
      t.error ?? probes,
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(rows[0]), rule, ...rows.slice(1).map(line)].join('\n');
}
