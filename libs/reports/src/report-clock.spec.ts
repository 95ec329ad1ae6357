import {
  acknowledgementDueAt,
  clockSchedule,
  clockView,
  fixDueAt,
  formatDueMoment,
  reportClocks,
} from './report-clock';
import { holidayCalendar } from '@cordon/embargo';

const at = (iso: string) => new Date(iso);

describe('the acknowledgement clock (3 business days)', () => {
  it.each([
    // [what, received (UTC), zone, due (UTC)]
    ['Monday morning: end of Thursday', '2026-11-23T09:00:00Z', 'UTC', '2026-11-27T00:00:00Z'],
    ['Friday evening: over the weekend, end of Wednesday', '2026-11-27T18:00:00Z', 'UTC', '2026-12-03T00:00:00Z'],
    ['Saturday: end of Wednesday too', '2026-11-28T10:00:00Z', 'UTC', '2026-12-03T00:00:00Z'],
    ['Sunday late: end of Wednesday', '2026-11-29T23:59:00Z', 'UTC', '2026-12-03T00:00:00Z'],
    // Berlin, summer time begins on Sunday 2026-03-29: due at midnight CEST (+02:00).
    ['Berlin, Friday before the spring change', '2026-03-27T17:00:00Z', 'Europe/Berlin', '2026-04-01T22:00:00Z'],
    // Berlin, summer time ends on Sunday 2026-10-25: due at midnight CET (+01:00).
    ['Berlin, Friday before the autumn change', '2026-10-23T16:00:00Z', 'Europe/Berlin', '2026-10-28T23:00:00Z'],
    // 23:59 on Thursday in Berlin: Friday, Monday, Tuesday.
    ['Berlin, a minute before local midnight', '2026-11-26T22:59:00Z', 'Europe/Berlin', '2026-12-01T23:00:00Z'],
    // 00:01 on Friday in Berlin, still Thursday in UTC: Monday, Tuesday, Wednesday.
    ['Berlin, a minute after local midnight', '2026-11-26T23:01:00Z', 'Europe/Berlin', '2026-12-02T23:00:00Z'],
    // The same instant read in UTC is Thursday: due at the end of Tuesday, not Wednesday.
    ['the same instant in UTC', '2026-11-26T23:01:00Z', 'UTC', '2026-12-02T00:00:00Z'],
    // New York, summer time begins on Sunday 2026-03-08: midnight EDT (-04:00).
    ['New York, Friday before the spring change', '2026-03-06T23:00:00Z', 'America/New_York', '2026-03-12T04:00:00Z'],
    // New York, summer time ends on Sunday 2026-11-01: midnight EST (-05:00).
    ['New York, Friday before the autumn change', '2026-10-30T22:00:00Z', 'America/New_York', '2026-11-05T05:00:00Z'],
    // 23:30 on Friday in New York is Saturday in UTC: still a Friday report there.
    ['New York, Friday 23:30 local', '2026-11-28T04:30:00Z', 'America/New_York', '2026-12-03T05:00:00Z'],
    ['New York, Saturday', '2026-11-28T15:00:00Z', 'America/New_York', '2026-12-03T05:00:00Z'],
  ])('%s', (_what, received, zone, due) => {
    expect(acknowledgementDueAt(at(received), 3, zone).toISOString()).toBe(at(due).toISOString());
  });

  it('counts any number of business days, 0 being the end of the day it came in', () => {
    const friday = at('2026-11-27T18:00:00Z');
    expect(acknowledgementDueAt(friday, 0, 'UTC').toISOString()).toBe('2026-11-28T00:00:00.000Z');
    expect(acknowledgementDueAt(friday, 1, 'UTC').toISOString()).toBe('2026-12-01T00:00:00.000Z'); // end of Monday
    expect(acknowledgementDueAt(friday, 5, 'UTC').toISOString()).toBe('2026-12-05T00:00:00.000Z'); // end of Friday
    expect(acknowledgementDueAt(friday, 10, 'UTC').toISOString()).toBe('2026-12-12T00:00:00.000Z');
  });

  it('skips the holidays PUBLIC_HOLIDAYS lists, read in the project’s zone', () => {
    // Wednesday 23 December 2026 in Berlin: Thursday, (Christmas Day), Monday, Tuesday.
    const received = at('2026-12-23T11:00:00Z');
    expect(acknowledgementDueAt(received, 3, 'Europe/Berlin').toISOString()).toBe('2026-12-28T23:00:00.000Z');
    const de = holidayCalendar(['DE']);
    expect(acknowledgementDueAt(received, 3, 'Europe/Berlin', de).toISOString()).toBe('2026-12-29T23:00:00.000Z');
    const rules = { timeZone: 'Europe/Berlin', ackBusinessDays: 3, fixDays: 60, holidays: de };
    expect(clockSchedule(received, rules).ackDueAt.toISOString()).toBe('2026-12-29T23:00:00.000Z');
    // The reminder comes when the business day before ends: Monday, not Christmas Day.
    expect(clockSchedule(received, rules).ackReminderAt.toISOString()).toBe('2026-12-28T23:00:00.000Z');
  });

  it('refuses a time zone that is not one, naming the field', () => {
    expect(() => acknowledgementDueAt(at('2026-11-27T18:00:00Z'), 3, 'Mars/Olympus')).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', field: 'timeZone' }),
    );
  });
});

describe('the fix clock (60 calendar days)', () => {
  it.each([
    ['UTC', '2026-11-27T18:00:00Z', 'UTC', '2027-01-26T18:00:00Z'],
    // 10:00 CET on 1 February → 10:00 CEST on 2 April: an hour less elapsed.
    ['Berlin, winter to summer', '2026-02-01T09:00:00Z', 'Europe/Berlin', '2026-04-02T08:00:00Z'],
    // 10:00 CEST on 1 September → 10:00 CET on 31 October: an hour more.
    ['Berlin, summer to winter', '2026-09-01T08:00:00Z', 'Europe/Berlin', '2026-10-31T09:00:00Z'],
    // 09:00 EST on 15 January → 09:00 EDT on 16 March.
    ['New York, winter to summer', '2026-01-15T14:00:00Z', 'America/New_York', '2026-03-16T13:00:00Z'],
    // 02:30 on 29 March 2026 does not exist in Berlin: it moves forward by the gap, to 03:30 CEST.
    ['Berlin, onto the hour the change skips', '2026-01-28T01:30:00Z', 'Europe/Berlin', '2026-03-29T01:30:00Z'],
  ])('%s', (_what, received, zone, due) => {
    expect(fixDueAt(at(received), 60, zone).toISOString()).toBe(at(due).toISOString());
  });
});

describe('how a clock reads', () => {
  const due = at('2026-12-03T00:00:00Z');
  const day = 86_400_000;
  it.each([
    ['met on time', at('2026-12-01T10:00:00Z'), null, at('2026-12-10T00:00:00Z'), 'met', false],
    ['met late, still met', at('2026-12-04T10:00:00Z'), null, at('2026-12-10T00:00:00Z'), 'met', true],
    ['met, though stopped after', at('2026-12-01T10:00:00Z'), at('2026-12-02T10:00:00Z'), due, 'met', false],
    ['stopped', null, at('2026-12-01T10:00:00Z'), at('2026-12-10T00:00:00Z'), 'stopped', false],
    ['stopped once overdue', null, at('2026-12-05T10:00:00Z'), at('2026-12-10T00:00:00Z'), 'stopped', true],
    ['overdue', null, null, at('2026-12-03T00:00:01Z'), 'overdue', true],
    ['at the due moment: still in time', null, null, due, 'due_soon', false],
    ['within the warning', null, null, at('2026-12-02T00:00:00Z'), 'due_soon', false],
    ['running', null, null, at('2026-12-01T23:59:59Z'), 'running', false],
  ] as const)('%s', (_what, metAt, stoppedAt, now, state, late) => {
    expect(clockView(due, metAt, stoppedAt, now, day)).toEqual({ dueAt: due, metAt, state, late });
  });
});

describe("a report's clocks", () => {
  const rules = { timeZone: 'Europe/Berlin', ackBusinessDays: 3, fixDays: 60 };
  // Friday 2026-11-27, 18:00 in Berlin.
  const receivedAt = at('2026-11-27T17:00:00Z');
  const facts = { receivedAt, acknowledgedAt: null, closedAt: null, fixPublishedAt: null };

  it('reminds of the acknowledgement when the business day before the due one ends, of the fix 7 days ahead', () => {
    expect(clockSchedule(receivedAt, rules)).toEqual({
      ackDueAt: at('2026-12-02T23:00:00Z'), // end of Wednesday
      ackReminderAt: at('2026-12-01T23:00:00Z'), // end of Tuesday
      fixDueAt: at('2027-01-26T17:00:00Z'),
      fixReminderAt: at('2027-01-19T17:00:00Z'),
    });
  });

  it('reads due_soon from the reminder on, met once answered, stopped once closed', () => {
    const monday = at('2026-11-30T12:00:00Z');
    const wednesday = at('2026-12-02T12:00:00Z');
    expect(reportClocks(facts, rules, monday).ack.state).toBe('running');
    expect(reportClocks(facts, rules, wednesday).ack.state).toBe('due_soon');
    expect(reportClocks(facts, rules, at('2026-12-03T08:00:00Z')).ack.state).toBe('overdue');
    const answered = { ...facts, acknowledgedAt: monday };
    expect(reportClocks(answered, rules, at('2026-12-03T08:00:00Z')).ack).toMatchObject({ state: 'met', late: false });
    expect(reportClocks(facts, rules, at('2027-01-20T00:00:00Z')).fix.state).toBe('due_soon');
    expect(reportClocks({ ...facts, closedAt: monday }, rules, at('2027-02-01T00:00:00Z')).fix.state).toBe('stopped');
    expect(reportClocks({ ...facts, fixPublishedAt: wednesday }, rules, wednesday).fix.state).toBe('met');
  });
});

describe('a due moment, as the maintainers read it', () => {
  it('shows a local midnight as the end of the day before', () => {
    expect(formatDueMoment(at('2026-12-02T23:00:00Z'), 'Europe/Berlin')).toBe(
      'Wednesday 2026-12-02 24:00 Europe/Berlin (23:00 UTC)',
    );
    expect(formatDueMoment(at('2026-12-03T05:00:00Z'), 'America/New_York')).toBe(
      'Wednesday 2026-12-02 24:00 America/New_York (2026-12-03 05:00 UTC)',
    );
    expect(formatDueMoment(at('2026-12-03T00:00:00Z'), 'UTC')).toBe('Wednesday 2026-12-02 24:00 UTC');
    expect(formatDueMoment(at('2027-01-26T17:00:00Z'), 'Europe/Berlin')).toBe(
      'Tuesday 2027-01-26 18:00 Europe/Berlin (17:00 UTC)',
    );
  });
});
