import { randomFillSync } from 'node:crypto';
import { BRANCH_COOKIE } from '../message/via.ts';

/**
 * Branches and tags: 64 random bits from a pooled CSPRNG buffer (one syscall per 512 ids)
 * plus a process counter, both base36. RFC 3261 8.1.1.7 wants branches unique in space and
 * time; 19.3 wants tags of at least 32 random bits. Unpredictable, so that an off-path
 * attacker cannot guess them.
 */
const POOL_WORDS = 1024;
const pool = new Uint32Array(POOL_WORDS);
let next = POOL_WORDS;
let counter = 0;

function randomToken(): string {
  if (next + 2 > POOL_WORDS) {
    randomFillSync(pool);
    next = 0;
  }
  const hi = pool[next++];
  const lo = pool[next++];
  counter = (counter + 1) % 0x7fffffff;
  return hi.toString(36) + lo.toString(36) + '.' + counter.toString(36);
}

/** A fresh Via branch with the RFC 3261 magic cookie. */
export function newBranch(): string {
  return BRANCH_COOKIE + randomToken();
}

/** A fresh From/To tag (RFC 3261 19.3). */
export function newTag(): string {
  return randomToken();
}
