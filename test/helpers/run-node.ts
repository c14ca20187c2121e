import { spawn } from 'node:child_process';

/**
 * Runs Node with `args` without blocking this process (a server the child talks to may live
 * here) and resolves with its exit code and its stdout and stderr together.
 */
export function runNode(
  args: string[],
  opts: { cwd?: string } = {},
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, opts.cwd ? { cwd: opts.cwd } : {});
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
