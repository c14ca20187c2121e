import { cpus, release } from 'node:os';
import type { DialTargetResult } from './measure.ts';
import type { DialOptions } from './options.ts';
import type { Distribution } from './pdd.ts';
import type { DialProbeResult } from './probe.ts';

/** The target: Patchbay's dial rate at least a third of Kamailio's relay rate. */
export const TARGET_SHARE = 1 / 3;

/** The shape of bench/results/dial-cps.json. */
export interface DialReport {
  bench: 'dial-cps';
  date: string;
  node: string;
  machine: { cores: number; cpu: string; kernel: string; rmemMax: number | null; loadAtStart: number };
  settings: Omit<DialOptions, 'targets' | 'out'> & { targets: string[] };
  summary: {
    kamailio: number | null;
    patchbay: number | null;
    /** patchbay / kamailio best rates. */
    ratio: number | null;
    /** ratio >= 1/3; null when either figure is missing. */
    targetMet: boolean | null;
  };
  /** CPU figures are % of one core (the machine has cores x 100 %); times in ms. */
  targets: DialTargetResult[];
}

export function buildDialReport(
  opts: DialOptions,
  targets: DialTargetResult[],
  rmemMax: number | null,
  loadAtStart: number,
): DialReport {
  const cpuList = cpus();
  const best = (name: string) => targets.find((t) => t.target === name)?.best?.rate ?? null;
  const kamailio = best('kamailio');
  const patchbay = best('patchbay');
  const ratio = kamailio && patchbay !== null ? Math.round((patchbay / kamailio) * 1000) / 1000 : null;
  const { out: _out, targets: names, ...settings } = opts;
  return {
    bench: 'dial-cps',
    date: new Date().toISOString(),
    node: process.version,
    machine: {
      cores: cpuList.length,
      cpu: cpuList[0]?.model ?? 'unknown',
      kernel: release(),
      rmemMax,
      loadAtStart,
    },
    settings: { ...settings, targets: names },
    summary: {
      kamailio,
      patchbay,
      ratio,
      // Compared unrounded: exactly a third meets it.
      targetMet: kamailio && patchbay !== null ? patchbay >= kamailio * TARGET_SHARE - 1e-9 : null,
    },
    targets,
  };
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(rows[0]), rule, ...rows.slice(1).map(line)].join('\n');
}

function pair(d: Distribution | null | undefined): string {
  return d ? `${d.p50} / ${d.p99}` : '-';
}

function perCore(record: Record<string, number>, unit = ''): string {
  return Object.entries(record)
    .map(([k, v]) => `${k} ${v}${unit}`)
    .join(', ');
}

/** The capacity table and the post-dial-delay table printed at the end of a run. */
export function formatDialTables(report: DialReport): string {
  const limit = `best with p99 pdd <= ${report.settings.pddLimitMs} ms`;
  const capacity = [
    ['target', 'best rate', 'achieved cps', 'CPU % of one core', 'CPU ms per call', limit, 'probes'],
  ];
  for (const t of report.targets) {
    capacity.push([
      t.target,
      t.error ? 'error' : t.best ? String(t.best.rate) : 'none',
      t.best ? String(t.best.cps) : '',
      t.best ? perCore(t.best.cpu) : '',
      t.best ? perCore(t.best.cpuMsPerCall) : '',
      t.bestWithinPdd ? `${t.bestWithinPdd.rate} (p99 ${t.bestWithinPdd.pddP99})` : 'none',
      t.error ?? t.probes.map((p) => `${p.rate}${p.ok ? '' : '✗'}`).join(' '),
    ]);
  }
  const delay = [
    [
      'target',
      'probe',
      'post-dial delay p50 / p99',
      'without webhook',
      'webhook app',
      'INVITE -> 200 at caller',
      'calls',
    ],
  ];
  for (const t of report.targets) {
    const rows: Array<[string, DialProbeResult | null | undefined]> = [
      [`light ${t.light?.rate ?? ''}/s`, t.light],
      [`best ${t.best?.rate ?? ''}/s`, t.probes.find((p) => p.ok && p.rate === t.best?.rate)],
    ];
    for (const [label, p] of rows) {
      if (!p?.pdd) continue;
      delay.push([
        t.target,
        `${label}${p.ok ? '' : ' ✗'}`,
        pair(p.pdd.pdd),
        pair(p.pdd.pddWithoutWebhook),
        pair(p.pdd.webhook),
        pair(p.pdd.setup),
        String(p.pdd.reachedCallee),
      ]);
    }
  }
  const s = report.summary;
  const verdict =
    s.ratio === null
      ? 'target (>= 1/3 of Kamailio): not measured'
      : `patchbay / kamailio = ${s.patchbay} / ${s.kamailio} = ${s.ratio}: target (>= 1/3) ${s.targetMet ? 'met' : 'NOT met'}`;
  return `${table(capacity)}\n\ntimes in ms:\n${table(delay)}\n\n${verdict}`;
}
