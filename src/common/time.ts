import { DateTime } from 'luxon';

export function isValidTimeZone(zone: string): boolean {
  return DateTime.now().setZone(zone).isValid;
}

/** The instant the calendar day containing `at` began, in `zone`. */
export function startOfDay(at: Date, zone: string): Date {
  return DateTime.fromJSDate(at).setZone(zone).startOf('day').toJSDate();
}

/** The calendar date (YYYY-MM-DD) of `at` in `zone`. */
export function calendarDate(at: Date, zone: string): string {
  return DateTime.fromJSDate(at).setZone(zone).toISODate() ?? '';
}
