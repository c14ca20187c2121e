import { pino } from 'pino';

export type Logger = pino.Logger;

/** A logger that writes nothing: the default of every layer when none is given. */
export const silentLogger: Logger = pino({ level: 'silent' });

export function createLogger(level = 'info'): Logger {
  return pino({ level, base: { name: 'patchbay' } });
}

type LogArgs = Parameters<pino.LogFn>;
type LevelName = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * A child logger that is made only when something is written through it (or its level
 * set): a call, leg or endpoint that logs nothing at the configured level never pays for
 * pino's child, which serialises its bindings up front (about 3 us each, five per call).
 * What it writes, once made, is exactly what the eager child would write.
 */
export function lazyChild(parent: Logger, bindings: pino.Bindings): Logger {
  return new LazyChild(parent, bindings) as unknown as Logger;
}

class LazyChild {
  private made: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly own: pino.Bindings,
  ) {}

  private get real(): Logger {
    let made = this.made;
    if (made === undefined) {
      const parent: unknown = this.parent;
      const base = parent instanceof LazyChild ? parent.real : this.parent;
      made = base.child(this.own);
      this.made = made;
    }
    return made;
  }

  get level(): string {
    return (this.made ?? this.parent).level;
  }

  set level(value: string) {
    this.real.level = value;
  }

  isLevelEnabled(level: string): boolean {
    return (this.made ?? this.parent).isLevelEnabled(level);
  }

  child(bindings: pino.Bindings, options?: pino.ChildLoggerOptions): Logger {
    if (options !== undefined) return this.real.child(bindings, options);
    return lazyChild(this as unknown as Logger, bindings);
  }

  fatal(...args: LogArgs): void {
    this.write('fatal', args);
  }
  error(...args: LogArgs): void {
    this.write('error', args);
  }
  warn(...args: LogArgs): void {
    this.write('warn', args);
  }
  info(...args: LogArgs): void {
    this.write('info', args);
  }
  debug(...args: LogArgs): void {
    this.write('debug', args);
  }
  trace(...args: LogArgs): void {
    this.write('trace', args);
  }

  private write(level: LevelName, args: LogArgs): void {
    if (!this.isLevelEnabled(level)) return;
    const real = this.real;
    real[level].apply(real, args);
  }
}
