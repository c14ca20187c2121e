import { readFileSync } from 'node:fs';
import type { CpuFigures } from './protocol.ts';

/**
 * Involuntary context switches of the thread that runs JavaScript (/proc/thread-self/status
 * on Linux); elsewhere those of the whole process, helper threads included.
 */
function preemptions(): number {
  try {
    const m = /nonvoluntary_ctxt_switches:\s*(\d+)/.exec(readFileSync('/proc/thread-self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().involuntaryContextSwitches;
}

/**
 * CPU of this process between `start()` and `stop()`, from process.cpuUsage(): user and
 * system time of all its threads, so the GC's helper threads and the kernel's work for its
 * sockets (on loopback the sender's system call also delivers the datagram) count too.
 */
export class CpuWindow {
  private cpu0: NodeJS.CpuUsage | undefined;
  private wall0 = 0;
  private switches0 = 0;
  private result: CpuFigures | undefined;

  start(): void {
    this.wall0 = performance.now();
    this.cpu0 = process.cpuUsage();
    this.switches0 = preemptions();
  }

  stop(): CpuFigures {
    if (!this.cpu0) throw new Error('CpuWindow.stop() before start()');
    const used = process.cpuUsage(this.cpu0);
    const wallMs = performance.now() - this.wall0;
    const cpuMs = (used.user + used.system) / 1000;
    this.result = {
      wallMs: Math.round(wallMs),
      cpuMs: Math.round(cpuMs),
      percent: wallMs > 0 ? Math.round((1000 * cpuMs) / wallMs) / 10 : 0,
      preemptions: preemptions() - this.switches0,
    };
    return this.result;
  }

  /** The figures of the last stop(), or zeros when the window never closed. */
  get figures(): CpuFigures {
    return this.result ?? { wallMs: 0, cpuMs: 0, percent: 0, preemptions: 0 };
  }
}

/**
 * CPU per packet above what the process burns idle (for the engine: endpoints ticking and
 * the clock spinning with nothing to send), in microseconds.
 */
export function marginalUsPerPacket(busy: CpuFigures, idle: CpuFigures, packets: number): number {
  if (packets === 0) return 0;
  const idleMs = (idle.percent / 100) * busy.wallMs;
  return Math.round((Math.max(0, busy.cpuMs - idleMs) * 1000 * 100) / packets) / 100;
}
