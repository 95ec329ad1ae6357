import { DateTime } from 'luxon';
import { HolidayCalendar, isTimeZone, isWorkingDay, noHolidays } from '@cordon/embargo';
import { DomainError } from '@cordon/errors';

/**
 * A report's two clocks (issue 13, "Clocks"): the first acknowledgement, due REPORT_ACK_BUSINESS_DAYS
 * business days after the report's date, and the fix target, REPORT_FIX_DAYS calendar days after
 * it, both counted in PROJECT_TIME_ZONE. Pure: the time and the rules are given.
 *
 * How a clock reads (`state`), first match wins:
 * - `met`: it was met (`metAt`), on time or not; `late` tells which.
 * - `stopped`: it will not be met, and need not be (the report was rejected or is a duplicate).
 * - `overdue`: now is past the due moment. The due moment itself is still in time.
 * - `due_soon`: the due moment is at most `soonMs` away (for a report's clocks: the reminder is due).
 * - `running`.
 * `late` says whether the due moment passed while the clock ran: met or stopped after it, or still
 * running past it.
 */
export interface ClockView {
  dueAt: Date;
  metAt: Date | null;
  state: 'met' | 'running' | 'due_soon' | 'overdue' | 'stopped';
  late: boolean;
}

/** Before each clock is due, the maintainers are reminded this far ahead (issue 13, "Clocks"). */
export const ACK_REMINDER_BUSINESS_DAYS = 1;
export const FIX_REMINDER_DAYS = 7;

/**
 * The end (24:00 local, i.e. the next day's midnight) of the N-th business day (Monday to Friday)
 * after the day the report came in, in `timeZone`. A report on Friday evening or on Saturday, with
 * N = 3, is due at the end of Wednesday. N = 0 is the end of the day it came in. A holiday of
 * `holidays` (PUBLIC_HOLIDAYS, read in PROJECT_TIME_ZONE) is no business day, as for embargoes.
 */
export function acknowledgementDueAt(
  receivedAt: Date,
  businessDays: number,
  timeZone: string,
  holidays: HolidayCalendar = noHolidays,
): Date {
  let day = localDay(receivedAt, timeZone);
  for (let counted = 0; counted < businessDays;) {
    day = day.plus({ days: 1 });
    if (isWorkingDay(day, holidays)) counted++;
  }
  // Calendar arithmetic in the zone: the next day's local midnight, whatever the offset is then.
  return day.plus({ days: 1 }).startOf('day').toJSDate();
}

/**
 * The same local wall-clock time N calendar days later in `timeZone`: a report at 10:00 in Berlin in
 * winter is due at 10:00 Berlin time in summer (an hour less elapsed). A local time the change to
 * summer time skips moves forward by the gap, as luxon does.
 */
export function fixDueAt(receivedAt: Date, days: number, timeZone: string): Date {
  return localTime(receivedAt, timeZone).plus({ days }).toJSDate();
}

/** How a clock due at `dueAt` reads at `now` (see ClockView for the order of the states). */
export function clockView(
  dueAt: Date,
  metAt: Date | null,
  stoppedAt: Date | null,
  now: Date,
  soonMs: number,
): ClockView {
  const ended = metAt ?? stoppedAt ?? now;
  const late = ended.getTime() > dueAt.getTime();
  const state: ClockView['state'] = metAt
    ? 'met'
    : stoppedAt
      ? 'stopped'
      : late
        ? 'overdue'
        : dueAt.getTime() - now.getTime() <= soonMs
          ? 'due_soon'
          : 'running';
  return { dueAt, metAt, state, late };
}

/** The settings the clocks count by: PROJECT_TIME_ZONE, REPORT_ACK_BUSINESS_DAYS, REPORT_FIX_DAYS, PUBLIC_HOLIDAYS. */
export interface ClockRules {
  timeZone: string;
  ackBusinessDays: number;
  fixDays: number;
  /** Days that are no business days besides weekends; none when not given. */
  holidays?: HolidayCalendar;
}

/** What a report's clocks are read from. */
export interface ClockFacts {
  receivedAt: Date;
  /** The maintainers' first answer: the acknowledgement clock is met. */
  acknowledgedAt: Date | null;
  /** Rejected or a duplicate: the fix clock stops. */
  closedAt: Date | null;
  /** When the embargo made from it ended (the fix is public): the fix clock is met. */
  fixPublishedAt: Date | null;
}

/** The moments a report's clocks are due, and when their reminders are (issue 13, "Clocks"). */
export interface ClockSchedule {
  ackDueAt: Date;
  ackReminderAt: Date;
  fixDueAt: Date;
  fixReminderAt: Date;
}

export function clockSchedule(receivedAt: Date, rules: ClockRules): ClockSchedule {
  const { timeZone, ackBusinessDays, fixDays, holidays } = rules;
  return {
    ackDueAt: acknowledgementDueAt(receivedAt, ackBusinessDays, timeZone, holidays),
    // The end of the business day before the due one: a report due at the end of Monday is
    // reminded of when Friday ends.
    ackReminderAt: acknowledgementDueAt(
      receivedAt,
      Math.max(0, ackBusinessDays - ACK_REMINDER_BUSINESS_DAYS),
      timeZone,
      holidays,
    ),
    fixDueAt: fixDueAt(receivedAt, fixDays, timeZone),
    fixReminderAt: fixDueAt(receivedAt, Math.max(0, fixDays - FIX_REMINDER_DAYS), timeZone),
  };
}

/**
 * Both clocks of a report as the admin queue shows them: each is `due_soon` from the moment its
 * reminder is due, so the queue and the maintainers' mail agree.
 */
export function reportClocks(facts: ClockFacts, rules: ClockRules, now: Date): { ack: ClockView; fix: ClockView } {
  const s = clockSchedule(facts.receivedAt, rules);
  return {
    ack: clockView(s.ackDueAt, facts.acknowledgedAt, null, now, s.ackDueAt.getTime() - s.ackReminderAt.getTime()),
    fix: clockView(
      s.fixDueAt,
      facts.fixPublishedAt,
      facts.closedAt,
      now,
      s.fixDueAt.getTime() - s.fixReminderAt.getTime(),
    ),
  };
}

/**
 * A due moment as the maintainers read it, in the project's time zone: a local midnight is the end
 * of the day before ("2026-12-09 24:00 Europe/Berlin (23:00 UTC)"), so that "due by the end of
 * Wednesday" does not read as Thursday.
 */
export function formatDueMoment(at: Date, timeZone: string): string {
  const local = localTime(at, timeZone);
  const midnight = local.hour === 0 && local.minute === 0;
  const day = midnight ? local.minus({ days: 1 }) : local;
  const shown = `${day.setLocale('en').toFormat('cccc yyyy-MM-dd')} ${midnight ? '24:00' : local.toFormat('HH:mm')}`;
  if (local.offset === 0 && /^(UTC|Etc\/UTC|GMT|Etc\/GMT)$/i.test(timeZone)) return `${shown} UTC`;
  const utc = DateTime.fromJSDate(at, { zone: 'UTC' });
  const sameDay = day.toISODate() === utc.toISODate();
  return `${shown} ${timeZone} (${utc.toFormat(sameDay ? 'HH:mm' : 'yyyy-MM-dd HH:mm')} UTC)`;
}

function localTime(at: Date, timeZone: string): DateTime {
  if (!isTimeZone(timeZone)) {
    throw new DomainError(
      'INVALID_INPUT',
      'Choose a time zone by its IANA name, such as Europe/Berlin or UTC.',
      'timeZone',
    );
  }
  return DateTime.fromJSDate(at, { zone: timeZone });
}

function localDay(at: Date, timeZone: string): DateTime {
  return localTime(at, timeZone).startOf('day');
}
