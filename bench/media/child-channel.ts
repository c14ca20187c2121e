/** The child's side of a media benchmark process (the runner's side is child.ts). */

export interface Typed {
  type: string;
}

export class BenchChildError extends Error {
  readonly code = 'BENCH_CHILD';
}

/** The child's side: its configuration, incoming commands, and a way to answer. */
export function childChannel<Config, In extends Typed, Out extends Typed>(): {
  config: Config;
  send: (msg: Out) => void;
  onMessage: (fn: (msg: In) => void) => void;
  fail: (err: unknown) => void;
} {
  if (!process.send)
    throw new BenchChildError('this script is started by the media benchmarks (no IPC channel)');
  const config = JSON.parse(process.argv[2] ?? '{}') as Config;
  // The runner went away (finished, crashed or interrupted): so do we.
  process.on('disconnect', () => process.exit(0));
  const send = (msg: Out) => {
    process.send?.(msg);
  };
  return {
    config,
    send,
    onMessage: (fn) => process.on('message', (m) => fn(m as In)),
    fail: (err: unknown) => {
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      process.send?.({ type: 'error', message }, () => process.exit(1));
      // If the channel is gone the callback never runs.
      setTimeout(() => process.exit(1), 1000);
    },
  };
}
