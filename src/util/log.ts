import { pino } from 'pino';

export type Logger = pino.Logger;

/** A logger that writes nothing: the default of every layer when none is given. */
export const silentLogger: Logger = pino({ level: 'silent' });

export function createLogger(level = 'info'): Logger {
  return pino({ level, base: { name: 'patchbay' } });
}
