import { randomFillSync } from 'node:crypto';

// Trace and span ids must be random, not secret: they are cut from a pool refilled 4 KiB at a time, so an event
// makes no call into the CSPRNG of its own (two randomBytes calls per event were 10% of publishAll's CPU).
const pool = Buffer.allocUnsafe(4096);
let next = pool.length;

/** `bytes` random bytes as lowercase hex. */
export function randomHex(bytes: number): string {
  if (next + bytes > pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  const hex = pool.toString('hex', next, next + bytes);
  next += bytes;
  return hex;
}
