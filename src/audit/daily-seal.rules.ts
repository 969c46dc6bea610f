import { DateTime } from 'luxon';

/** The action of the event sealing a day; one per day (a unique index holds it). */
export const DAILY_SEAL_ACTION = 'audit.daily_seal';

/**
 * How long after a day ends it is sealed. A claim or redemption is stamped with its
 * transaction's start (PostgreSQL's now()), so one begun just before midnight may commit just
 * after it; by this delay every transaction begun in the day has long ended.
 */
export const SEAL_DELAY_MS = 10 * 60_000;

/** The instants a calendar day (YYYY-MM-DD) of `zone` covers: [from, to). */
export function dayWindow(day: string, zone: string): { from: Date; to: Date } {
  const start = DateTime.fromISO(day, { zone }).startOf('day');
  if (!start.isValid) throw new RangeError(`"${day}" is not a day of ${zone}`);
  return { from: start.toJSDate(), to: start.plus({ days: 1 }).toJSDate() };
}

/**
 * The days to seal now, in order: each day after the last one sealed (before any seal, from the
 * day of the first claim or redemption) whose end is at least SEAL_DELAY_MS ago. Days without
 * rows are sealed too: their seal says there were none.
 */
export function daysToSeal(input: { lastSealed?: string; firstActivity?: Date; now: Date; zone: string }): string[] {
  const { zone } = input;
  let day: DateTime;
  if (input.lastSealed) day = DateTime.fromISO(input.lastSealed, { zone }).startOf('day').plus({ days: 1 });
  else if (input.firstActivity) day = DateTime.fromJSDate(input.firstActivity).setZone(zone).startOf('day');
  else return [];
  const days: string[] = [];
  for (; day.plus({ days: 1 }).toMillis() + SEAL_DELAY_MS <= input.now.getTime(); day = day.plus({ days: 1 })) {
    days.push(day.toISODate() as string);
  }
  return days;
}
