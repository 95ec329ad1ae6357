import { simpleParser } from 'mailparser';
import { DataSource } from 'typeorm';
import { ChangeEmbargo, HeldCopies } from '@cordon/embargo';
import { ActiveMaintainer, anActiveMaintainer } from '../../../test/support/report-triage';
import { aReport, decryptedText, reportsTestbed, ReportsTestbed } from '../../../test/support/reports-testbed';
import { FileReport } from './file-report';
import { AcceptReport } from './triage/accept-report';
import { AcknowledgeReport } from './triage/acknowledge-report';
import { RejectReport } from './triage/reject-report';
import { Report, ReportStatus } from './report.entity';
import { ReportReadings } from './report-readings';
import { ReportReminders } from './report-reminders';

// Friday 2026-11-27, 18:00 in Berlin: the acknowledgement is due at the end of Wednesday
// (2026-12-02 24:00, 23:00 UTC), its reminder when Tuesday ends; the fix target 60 days later.
const FRIDAY_EVENING = new Date('2026-11-27T17:00:00Z');
const CANARY = 'CANARY-7c1d-reminder';
const at = (iso: string) => new Date(iso);

describe('ReportReminders', () => {
  let bed: ReportsTestbed;
  /** Triages; the testbed's own maintainer (invited, not enrolled) only hears the list's mail. */
  let tom: ActiveMaintainer;
  const ds = (): DataSource => bed.dataSource;
  const reminders = () => bed.get(ReportReminders);

  beforeAll(async () => {
    bed = await reportsTestbed({ PROJECT_TIME_ZONE: 'Europe/Berlin' });
    // The relay answers which copies an ending embargo held; no post was made here, so none.
    bed.get(HeldCopies).provide(() => Promise.resolve([]));
    tom = await anActiveMaintainer(bed, 'tom@example.org');
  }, 120_000);
  afterAll(() => bed?.close());

  /** A report filed at `receivedAt`, as the form files it. */
  async function aFiledReport(receivedAt: Date): Promise<Report> {
    const filed = await bed
      .get(FileReport)
      .execute(aReport({ description: `Overflow ${CANARY} in parse()` }), 'form', receivedAt);
    return ds().getRepository(Report).findOneByOrFail({ id: filed.id });
  }
  const acknowledge = (report: Report, now: Date) => bed.get(AcknowledgeReport).execute(report.id, tom.id, now);
  const reject = (report: Report, now: Date) =>
    bed.get(RejectReport).execute(report.id, tom.id, 'Not a vulnerability: frob files are trusted.', now);
  /** Takes a finished test's report out of the later tests' counts. */
  const close = (report: Report) => reject(report, at('2026-12-10T09:00:00Z'));

  /** The reminders and overdue notices audited for a report, as "action clock dueAt". */
  const noticesOf = async (report: Report) =>
    (
      (await ds().query(
        `SELECT action, details FROM audit_entry
         WHERE subject = $1 AND action IN ('report.reminded', 'report.overdue') ORDER BY seq`,
        [`report:${report.id}`],
      )) as { action: string; details: { clock: string; dueAt: string; status: ReportStatus } }[]
    ).map((e) => `${e.action} ${e.details.clock} ${e.details.dueAt}`);

  /** The newest mail of `purpose` to the maintainer, opened with its key. */
  const newestMail = async (purpose: string) => {
    const mail = (await bed.queuedTo('lea@example.org')).filter((m) => m.purpose === purpose).pop()!;
    expect(mail.raw).not.toContain(CANARY);
    const opened = await decryptedText(mail.raw, bed.maintainer.key);
    expect(opened).not.toContain(CANARY);
    return simpleParser(opened);
  };

  it('reminds of the acknowledgement once, over the weekend in business days, then tells once it is overdue', async () => {
    const report = await aFiledReport(FRIDAY_EVENING);
    // Monday and Tuesday noon: four calendar days on, but only the first and second business day.
    expect(await reminders().run(at('2026-11-30T11:00:00Z'))).toBe(0);
    expect(await reminders().run(at('2026-12-01T11:00:00Z'))).toBe(0);
    expect(await noticesOf(report)).toEqual([]);

    // Wednesday morning: the last business day. Two workers at once send it once.
    const wednesday = at('2026-12-02T08:00:00Z');
    const [a, b] = await Promise.all([reminders().run(wednesday), reminders().run(wednesday)]);
    expect(a + b).toBe(1);
    expect(await reminders().run(at('2026-12-02T22:59:00Z'))).toBe(0);
    expect(await noticesOf(report)).toEqual(['report.reminded acknowledgement 2026-12-02T23:00:00.000Z']);

    const mail = await newestMail('report.reminder');
    expect(mail.subject).toBe(`[REP-${report.number}] Due soon: acknowledgement`);
    expect(mail.text).toContain('State: new');
    expect(mail.text).toContain('Due: Wednesday 2026-12-02 24:00 Europe/Berlin (23:00 UTC)');
    expect(mail.text).toContain(`https://cordon.example.org/admin/reports/${report.id}`);

    // Thursday: overdue, told once.
    expect(await reminders().run(at('2026-12-03T08:00:00Z'))).toBe(1);
    expect(await reminders().run(at('2026-12-04T08:00:00Z'))).toBe(0);
    expect(await noticesOf(report)).toEqual([
      'report.reminded acknowledgement 2026-12-02T23:00:00.000Z',
      'report.overdue acknowledgement 2026-12-02T23:00:00.000Z',
    ]);
    expect((await newestMail('report.overdue')).subject).toBe(`[REP-${report.number}] Overdue: acknowledgement`);
    const row = await ds().getRepository(Report).findOneByOrFail({ id: report.id });
    expect(row.ackRemindedAt).toEqual(wednesday);
    expect(row.ackOverdueAt).toEqual(at('2026-12-03T08:00:00Z'));
    await close(report);
  });

  it('sends nothing about the acknowledgement of a report acknowledged, nor anything about a rejected one', async () => {
    const monday = at('2026-11-30T09:00:00Z');
    const acknowledged = await aFiledReport(FRIDAY_EVENING);
    await acknowledge(acknowledged, monday);
    const rejected = await aFiledReport(FRIDAY_EVENING);
    await reject(rejected, monday);
    expect(await reminders().run(at('2026-12-02T08:00:00Z'))).toBe(0);
    expect(await reminders().run(at('2026-12-10T08:00:00Z'))).toBe(0);
    expect(await noticesOf(acknowledged)).toEqual([]);
    // The fix clock of the acknowledged one still runs; the rejected one has none.
    expect(await reminders().run(at('2027-01-20T08:00:00Z'))).toBe(1);
    expect(await noticesOf(acknowledged)).toEqual(['report.reminded fix 2027-01-26T17:00:00.000Z']);
    expect(await noticesOf(rejected)).toEqual([]);
    await close(acknowledged);
  });

  it('reminds of the fix target 7 days ahead and tells once it is overdue, unless the embargo made from it ended', async () => {
    const monday = at('2026-11-30T09:00:00Z');
    const open = await aFiledReport(FRIDAY_EVENING);
    await acknowledge(open, monday);
    // Accepted, and its embargo lifted: the fix is public, the clock met.
    const published = await aFiledReport(FRIDAY_EVENING);
    const { embargoId } = await bed
      .get(AcceptReport)
      .execute(published.id, tom.id, { publicAt: '2026-12-08T14:00', timeZone: 'UTC' }, monday);
    await bed.get(ChangeEmbargo).lift(embargoId, tom.id);

    // 2027-01-19 17:00 UTC is 7 days before 2027-01-26 18:00 in Berlin.
    expect(await reminders().run(at('2027-01-19T16:59:00Z'))).toBe(0);
    expect(await reminders().run(at('2027-01-19T17:00:00Z'))).toBe(1);
    expect(await reminders().run(at('2027-01-26T17:00:00Z'))).toBe(0); // due, not yet past
    expect(await reminders().run(at('2027-01-26T17:00:01Z'))).toBe(1);
    expect(await reminders().run(at('2027-03-01T00:00:00Z'))).toBe(0);
    expect(await noticesOf(open)).toEqual([
      'report.reminded fix 2027-01-26T17:00:00.000Z',
      'report.overdue fix 2027-01-26T17:00:00.000Z',
    ]);
    expect(await noticesOf(published)).toEqual([]);
    const mail = await newestMail('report.overdue');
    expect(mail.subject).toBe(`[REP-${open.number}] Overdue: fix target`);
    expect(mail.text).toContain('State: acknowledged');
    expect(mail.text).toContain('Due: Tuesday 2027-01-26 18:00 Europe/Berlin (17:00 UTC)');
  });

  it('counts reports by state and the overdue clocks, for /metrics', async () => {
    const readings = bed.get(ReportReadings);
    await aFiledReport(at('2027-03-01T10:00:00Z'));
    // What the tests above left: three rejected, one acknowledged, one accepted; and this new one.
    expect(await readings.byState()).toEqual({
      new: 1,
      acknowledged: 1,
      needs_information: 0,
      accepted: 1,
      rejected: 3,
      duplicate: 0,
    });
    // The acknowledged report's fix target passed in January; the accepted one's was met when its
    // embargo was lifted, the rejected ones' stopped. 2027-03-01 is a Monday: the new report's
    // acknowledgement is overdue from Friday 00:00 in Berlin.
    expect(await readings.overdue(at('2027-03-04T12:00:00Z'))).toEqual({ acknowledgement: 0, fix: 1 });
    expect(await readings.overdue(at('2027-03-05T12:00:00Z'))).toEqual({ acknowledgement: 1, fix: 1 });
  });
});
