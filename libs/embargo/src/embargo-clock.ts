import { DateTime } from 'luxon';
import { DomainError } from '@cordon/errors';
import { HolidayCalendar, noHolidays } from './public-holidays';

/**
 * The moment an embargo ends, from a local date and time as agreed ("2026-12-08T14:00") and the
 * IANA time zone it was agreed in. Throws INVALID_INPUT naming the field.
 */
export function publicMoment(localDateTime: string, timeZone: string): Date {
  if (!isTimeZone(timeZone)) {
    throw new DomainError(
      'INVALID_INPUT',
      'Choose a time zone by its IANA name, such as Europe/Berlin or UTC.',
      'timeZone',
    );
  }
  const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(localDateTime)
    ? DateTime.fromISO(localDateTime, { zone: timeZone })
    : DateTime.invalid('not YYYY-MM-DDTHH:MM');
  if (!at.isValid) {
    throw new DomainError('INVALID_INPUT', 'Give the public date and time as YYYY-MM-DD and HH:MM.', 'publicAt');
  }
  return at.toJSDate();
}

export function isTimeZone(name: string): boolean {
  return name.length <= 64 && DateTime.local().setZone(name).isValid;
}

/**
 * Business days (Monday to Friday) from `from` to `to`, counted as calendar days in `timeZone`:
 * each weekday after the day of `from`, up to and including the day of `to`. A weekday that is a
 * holiday of `holidays` (PUBLIC_HOLIDAYS, README "Settings") is no business day.
 */
export function businessDaysBetween(
  from: Date,
  to: Date,
  timeZone: string,
  holidays: HolidayCalendar = noHolidays,
): number {
  const first = DateTime.fromJSDate(from, { zone: timeZone });
  const last = DateTime.fromJSDate(to, { zone: timeZone });
  // Calendar days between the two local dates, from their date parts (a DST day is still one day).
  const days = Math.round(
    (Date.UTC(last.year, last.month - 1, last.day) - Date.UTC(first.year, first.month - 1, first.day)) / 86_400_000,
  );
  if (days <= 0) return 0;
  // Arithmetic, not a walk: the date is a maintainer's input and may be years away. Any seven days
  // in a row hold five weekdays; the rest fall on the weekdays that follow `from`'s.
  let count = Math.floor(days / 7) * 5;
  for (let i = 1; i <= days % 7; i++) if (((first.weekday - 1 + i) % 7) + 1 <= 5) count += 1;
  const after = first.plus({ days: 1 }).toISODate() ?? '';
  const weekdayHolidays = holidays
    .datesBetween(after, last.toISODate() ?? '')
    .filter((date) => DateTime.fromISO(date, { zone: timeZone }).weekday <= 5);
  return count - weekdayHolidays.length;
}

/** The agreed moment as the people who agreed it read it: "2026-12-08 14:00 Europe/Berlin (13:00 UTC)". */
export function formatPublicMoment(at: Date, timeZone: string): string {
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  if (local.offset === 0 && /^(UTC|Etc\/UTC|GMT|Etc\/GMT)$/i.test(timeZone))
    return `${local.toFormat('yyyy-MM-dd HH:mm')} UTC`;
  const utc = DateTime.fromJSDate(at, { zone: 'UTC' });
  const sameDay = local.toISODate() === utc.toISODate();
  return `${local.toFormat('yyyy-MM-dd HH:mm')} ${timeZone} (${utc.toFormat(sameDay ? 'HH:mm' : 'yyyy-MM-dd HH:mm')} UTC)`;
}
