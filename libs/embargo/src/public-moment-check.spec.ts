import { DomainError } from '@cordon/errors';
import { testSettings } from '../../../test/support/settings';
import { businessDaysBetween } from './embargo-clock';
import { holidayCalendar, noHolidays, PublicHolidays } from './public-holidays';
import { checkPublicMoment, PublicMomentCheck } from './public-moment-check';

const at = (iso: string) => new Date(iso);
const de = holidayCalendar(['DE']);

describe('a public moment people can live with (PublicMomentCheck)', () => {
  it('takes a weekday that is no holiday', () => {
    expect(checkPublicMoment(at('2026-12-08T13:00:00Z'), 'Europe/Berlin', de)).toEqual({ ok: true });
  });

  it('offers Monday, same local time, for a Saturday', () => {
    expect(checkPublicMoment(at('2026-12-05T13:00:00Z'), 'Europe/Berlin', noHolidays)).toEqual({
      ok: false,
      why: 'weekend',
      nextWorkingDay: '2026-12-07T14:00',
    });
  });

  it('names a listed holiday and skips the weekend after it (DE, Christmas Day 2026 is a Friday)', () => {
    expect(checkPublicMoment(at('2026-12-25T09:00:00Z'), 'Europe/Berlin', de)).toEqual({
      ok: false,
      why: 'holiday',
      name: 'Christmas Day',
      nextWorkingDay: '2026-12-28T10:00',
    });
    // Without the list, Christmas Day is a working day.
    expect(checkPublicMoment(at('2026-12-25T09:00:00Z'), 'Europe/Berlin', noHolidays)).toEqual({ ok: true });
  });

  it('reads the day in the embargo’s zone: Friday 23:30 UTC is Saturday in UTC+14', () => {
    const fridayLate = at('2026-12-04T23:30:00Z');
    expect(checkPublicMoment(fridayLate, 'UTC', noHolidays)).toEqual({ ok: true });
    expect(checkPublicMoment(fridayLate, 'Pacific/Kiritimati', noHolidays)).toEqual({
      ok: false,
      why: 'weekend',
      nextWorkingDay: '2026-12-07T13:30',
    });
    // And the other way: Monday 00:30 in Berlin is still Sunday in UTC.
    const mondayEarly = at('2026-12-06T23:30:00Z');
    expect(checkPublicMoment(mondayEarly, 'Europe/Berlin', noHolidays)).toEqual({ ok: true });
    expect(checkPublicMoment(mondayEarly, 'UTC', noHolidays)).toMatchObject({ ok: false, why: 'weekend' });
  });

  it('refuses with NON_WORKING_DAY carrying the offer, unless the maintainer keeps the day', () => {
    const check = new PublicMomentCheck(
      new PublicHolidays(testSettings({ DATA_DIR: '/tmp/unused', PUBLIC_HOLIDAYS: 'DE' })),
    );
    let refusal: unknown;
    try {
      check.require(at('2026-12-25T09:00:00Z'), 'Europe/Berlin', false);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(DomainError);
    expect(refusal).toMatchObject({
      code: 'NON_WORKING_DAY',
      kind: 'unprocessable',
      field: 'publicAt',
      extensions: { offered: '2026-12-28T10:00', why: 'holiday', holiday: 'Christmas Day' },
    });
    expect((refusal as Error).message).toContain(
      'Friday 2026-12-25 (Christmas Day) is a public holiday in Europe/Berlin',
    );
    expect(check.require(at('2026-12-25T09:00:00Z'), 'Europe/Berlin', true)).toBe('holiday');
    expect(check.require(at('2026-12-28T09:00:00Z'), 'Europe/Berlin', false)).toBeNull();
  });
});

describe('business days skip listed holidays', () => {
  it('counts Christmas week with and without DE', () => {
    const monday = at('2026-12-21T09:00:00Z');
    const nextMonday = at('2026-12-28T09:00:00Z');
    expect(businessDaysBetween(monday, nextMonday, 'Europe/Berlin')).toBe(5);
    expect(businessDaysBetween(monday, nextMonday, 'Europe/Berlin', de)).toBe(4);
    // A holiday on a weekend (Boxing Day, a Saturday) is not subtracted twice; DE-BY adds its own.
    expect(businessDaysBetween(at('2026-12-01T09:00:00Z'), at('2027-01-08T09:00:00Z'), 'Europe/Berlin', de)).toBe(
      28 - 2,
    );
    const bavaria = holidayCalendar(['DE-BY']);
    expect(businessDaysBetween(at('2026-12-01T09:00:00Z'), at('2027-01-08T09:00:00Z'), 'Europe/Berlin', bavaria)).toBe(
      28 - 3,
    );
  });
});
