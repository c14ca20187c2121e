// The webhook worker from the TypeScript sources, through tsx (the bundle runs its own
// plain-JavaScript webhook-worker.mjs instead): see webhook-thread.ts.
import { register } from 'tsx/esm/api';

register();
await import('./webhook-worker.ts');
