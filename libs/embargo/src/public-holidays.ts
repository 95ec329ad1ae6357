import { Inject, Injectable } from '@nestjs/common';
import Holidays from 'date-holidays';
import { SETTINGS, Settings } from '@cordon/config';

/**
 * The public holidays a list keeps (PUBLIC_HOLIDAYS, README "Settings"), by local calendar date.
 * A date is a holiday when it is one in any listed country or region; the date is always read in
 * the zone the caller counts in (an embargo's zone, PROJECT_TIME_ZONE for reports).
 */
export interface HolidayCalendar {
  /** The holiday's name on a local date (YYYY-MM-DD), or null when it is none. */
  holidayOn(date: string): string | null;
  /** The holidays' dates (YYYY-MM-DD) from `first` to `last`, both included, each once, in order. */
  datesBetween(first: string, last: string): string[];
}

const MAX_YEARS = 30;

/** No holidays: weekends are the only days off (PUBLIC_HOLIDAYS empty). */
export const noHolidays: HolidayCalendar = { holidayOn: () => null, datesBetween: () => [] };

const calendars = new Map<string, HolidayCalendar>();

/**
 * A calendar from date-holidays lists ("DE", "DE-BY", "US-CA"); public holidays only, English names.
 * Built once per list of codes (the settings give one), each year's dates once.
 */
export function holidayCalendar(codes: readonly string[]): HolidayCalendar {
  if (codes.length === 0) return noHolidays;
  const key = codes.join(',');
  let calendar = calendars.get(key);
  if (!calendar) calendars.set(key, (calendar = buildCalendar(codes)));
  return calendar;
}

function buildCalendar(codes: readonly string[]): HolidayCalendar {
  const lists = codes.map((code) => {
    const [country, state, region] = code.split('-');
    return new Holidays(country, state ?? '', region ?? '', { languages: ['en'], types: ['public'] });
  });
  const years = new Map<number, Map<string, string>>();
  const ofYear = (year: number): Map<string, string> => {
    let days = years.get(year);
    if (!days) {
      days = new Map();
      for (const list of lists)
        for (const holiday of list.getHolidays(year, 'en')) {
          const date = holiday.date.slice(0, 10);
          if (!days.has(date)) days.set(date, holiday.name);
        }
      years.set(year, days);
    }
    return days;
  };
  return {
    holidayOn: (date) => ofYear(Number(date.slice(0, 4))).get(date) ?? null,
    datesBetween: (first, last) => {
      const dates: string[] = [];
      const from = Number(first.slice(0, 4));
      // A public moment may be typed decades away; holidays further than this are not looked up.
      const to = Math.min(Number(last.slice(0, 4)), from + MAX_YEARS);
      for (let year = from; year <= to; year++)
        for (const date of ofYear(year).keys()) if (date >= first && date <= last) dates.push(date);
      return dates.sort();
    },
  };
}

/** The list's calendar, built once from PUBLIC_HOLIDAYS. */
@Injectable()
export class PublicHolidays implements HolidayCalendar {
  private readonly calendar: HolidayCalendar;

  constructor(@Inject(SETTINGS) settings: Settings) {
    this.calendar = holidayCalendar(settings.PUBLIC_HOLIDAYS ?? []);
  }

  holidayOn(date: string): string | null {
    return this.calendar.holidayOn(date);
  }

  datesBetween(first: string, last: string): string[] {
    return this.calendar.datesBetween(first, last);
  }
}
