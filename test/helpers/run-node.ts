import { spawn } from 'node:child_process';

/**
 * Runs `command` with `args` without blocking this process (a server the child talks to may
 * live here) and resolves with its exit code and its stdout and stderr together.
 */
export function runProcess(
  command: string,
  args: string[],
  opts: { cwd?: string } = {},
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, opts.cwd ? { cwd: opts.cwd } : {});
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      out += c;
    });
    child.on('close', (code) => resolve({ code, out }));
  });
}

/** Runs Node with `args` (see runProcess). */
export function runNode(
  args: string[],
  opts: { cwd?: string } = {},
): Promise<{ code: number | null; out: string }> {
  return runProcess(process.execPath, args, opts);
}
