import { setTimeout as delay } from 'node:timers/promises';

export interface UntilOptions {
  timeoutMs?: number;
  everyMs?: number;
  /** What to add to the time-out message (the last answer seen, a process's output). */
  detail?: () => string;
}

/**
 * Polls `check` every `everyMs` until it holds; fails naming `what` (and `detail`) after
 * `timeoutMs`. The one way a test waits for something to happen; an error thrown by `check`
 * ends the wait at once.
 */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  { timeoutMs = 60_000, everyMs = 100, detail }: UntilOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `: ${detail()}` : ''}`);
    await delay(everyMs);
  }
}

/**
 * A deliberate pause that is part of a scenario (how long an outage lasts, a gap between
 * waves of load), never a way to wait for something to happen: that is `until`'s job.
 */
export function hold(ms: number): Promise<void> {
  return delay(ms);
}
