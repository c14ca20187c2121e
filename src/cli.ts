import { runValidate } from './callflow/validate-command.ts';
import { ConfigError, loadConfig } from './config.ts';
import { startPatchbay } from './main.ts';
import { createLogger } from './util/log.ts';
import { packageVersion } from './util/package-version.ts';

const USAGE = `usage: patchbay [serve] [--config FILE]
       patchbay validate FILE...   check VobizXML call-flow documents (exit 1 on errors)
       patchbay --version | --help

Starts the Patchbay server. Settings come from the YAML file given with --config and
from PATCHBAY_* environment variables, which win (see README.md for the table).`;

/** The `patchbay` command. Returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  let command = 'serve';
  if (args[0] && !args[0].startsWith('-')) command = args.shift() as string;
  if (command === 'validate') return runValidate(args, console);
  let configFile: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--help' || a === '-h') {
      console.log(USAGE);
      return 0;
    }
    if (a === '--version' || a === '-v') {
      console.log(packageVersion());
      return 0;
    }
    if (a === '--config' || a === '-c') configFile = args[++i];
    else if (a.startsWith('--config=')) configFile = a.slice('--config='.length);
    else {
      console.error(`patchbay: unknown option ${a}\n${USAGE}`);
      return 2;
    }
  }
  if (command !== 'serve') {
    console.error(`patchbay: unknown command ${command}\n${USAGE}`);
    return 2;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ file: configFile });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`patchbay: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const server = await startPatchbay(config, logger);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'stopping');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return 0;
}
