import { Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import { DomainError } from '@cordon/errors';
import { HolidayCalendar, PublicHolidays } from './public-holidays';

/** A public moment on a day people work, or why not and the next working day at the same local time. */
export type PublicMomentVerdict =
  | { ok: true }
  | {
      ok: false;
      why: 'weekend' | 'holiday';
      /** The holiday's name, when it is one. */
      name?: string;
      /** Local "YYYY-MM-DDTHH:MM" in the embargo's zone, as the forms and the API take it. */
      nextWorkingDay: string;
    };

/** Saturday and Sunday are never working days; a listed holiday on a weekday is not one either. */
export function isWorkingDay(day: DateTime, holidays: HolidayCalendar): boolean {
  return day.weekday <= 5 && holidays.holidayOn(day.toISODate() ?? '') === null;
}

/**
 * Public moments people can live with (issue 14; README, PUBLIC_HOLIDAYS): the day of the moment in
 * the embargo's own zone must be a weekday and no listed holiday. A moment that is Friday 23:30 UTC
 * is fine in UTC and a Saturday in Pacific/Kiritimati (UTC+14).
 */
export function checkPublicMoment(publicAt: Date, timeZone: string, holidays: HolidayCalendar): PublicMomentVerdict {
  const local = DateTime.fromJSDate(publicAt, { zone: timeZone });
  if (isWorkingDay(local, holidays)) return { ok: true };
  const name = local.weekday <= 5 ? holidays.holidayOn(local.toISODate() ?? '') : null;
  let day = local.startOf('day');
  // At most a few weeks of holidays in a row exist in any list; the bound only guards the loop.
  for (let i = 0; i < 366 && !isWorkingDay(day, holidays); i++) day = day.plus({ days: 1 });
  const nextWorkingDay = `${day.toFormat('yyyy-MM-dd')}T${local.toFormat('HH:mm')}`;
  return name ? { ok: false, why: 'holiday', name, nextWorkingDay } : { ok: false, why: 'weekend', nextWorkingDay };
}

/** The list's check, with its PUBLIC_HOLIDAYS; Embargoes asks it before a new public moment is kept. */
@Injectable()
export class PublicMomentCheck {
  constructor(readonly holidays: PublicHolidays) {}

  check(publicAt: Date, timeZone: string): PublicMomentVerdict {
    return checkPublicMoment(publicAt, timeZone, this.holidays);
  }

  /**
   * Refuses a moment on a weekend or holiday with NON_WORKING_DAY, carrying the offered next working
   * day, unless the maintainer chose to keep it (`accept`). Returns why it was kept, for the audit.
   */
  require(publicAt: Date, timeZone: string, accept: boolean | undefined): 'weekend' | 'holiday' | null {
    const verdict = this.check(publicAt, timeZone);
    if (verdict.ok) return null;
    if (accept === true) return verdict.why;
    const local = DateTime.fromJSDate(publicAt, { zone: timeZone }).setLocale('en');
    const day = `${local.toFormat('cccc yyyy-MM-dd')}${verdict.name ? ` (${verdict.name})` : ''}`;
    const offered = DateTime.fromISO(verdict.nextWorkingDay, { zone: timeZone }).setLocale('en');
    throw new DomainError(
      'NON_WORKING_DAY',
      `${day} is ${verdict.why === 'weekend' ? 'a weekend day' : 'a public holiday'} in ${timeZone}. ` +
        `The next working day is ${offered.toFormat('cccc yyyy-MM-dd')} at ${local.toFormat('HH:mm')}; use it, or keep the date anyway.`,
      'publicAt',
      { offered: verdict.nextWorkingDay, why: verdict.why, ...(verdict.name ? { holiday: verdict.name } : {}) },
    );
  }
}
