import { DateObjections, LeakReportQueries } from '@cordon/embargo';
import { ApplicationsWaiting } from '@cordon/membership';
import {
  AcknowledgeReport,
  AnswerPublicDate,
  AskReporter,
  CommentOnReport,
  ProposePublicDate,
  RejectReport,
  ReporterReply,
  ReportsWaiting,
} from '@cordon/reports';
import { ActiveMaintainer, anActiveMaintainer, fileReport } from '../../../../test/support/report-triage';
import { reportsTestbed, ReportsTestbed } from '../../../../test/support/reports-testbed';
import { BounceStreaks } from '../fan-out';
import { MemberAnswerQueries } from '../member-answers/member-answer-queries';
import { digestMail } from './digest-mail';
import { WaitingForMaintainers, WaitingItem } from './waiting-for-maintainers';

const T0 = new Date('2026-12-02T09:00:00Z'); // a Wednesday, 10:00 in Berlin
const hours = (n: number) => new Date(T0.getTime() + n * 3_600_000);
/** Words only the reporter wrote: none of them may leave the report's page. */
const CANARY = 'CANARY-7f3a';

/**
 * Vulnerability reports among what waits for the maintainers (README "What waits for the
 * maintainers"): a report waits for its first answer, and the reporter's answer after the
 * maintainers' last step waits too, on the real reports lib (reports filed and answered through its
 * use cases). The items name the report and its clock, never what the reporter wrote.
 */
describe('vulnerability reports waiting for the maintainers', () => {
  let bed: ReportsTestbed;
  let tom: ActiveMaintainer;
  let waiting: WaitingForMaintainers;

  beforeAll(async () => {
    bed = await reportsTestbed({ PROJECT_TIME_ZONE: 'Europe/Berlin', REPORT_ACK_BUSINESS_DAYS: '3' });
    tom = await anActiveMaintainer(bed, 'tom@example.org');
    const none = async () => [];
    waiting = new WaitingForMaintainers(
      { list: none } as unknown as ApplicationsWaiting,
      { open: none } as unknown as DateObjections,
      { list: none } as unknown as LeakReportQueries,
      { list: none } as unknown as MemberAnswerQueries,
      { all: none } as unknown as BounceStreaks,
      bed.get(ReportsWaiting),
    );
  }, 120_000);

  afterAll(() => bed?.close());

  const fileOne = (at: Date) =>
    fileReport(bed, at, {
      reporterName: `Rita ${CANARY}`,
      component: `libfrob ${CANARY}`,
      versions: `2.0 ${CANARY}`,
      description: `A heap overflow ${CANARY}.`,
    });

  /** The items at `now`, after checking that none carries a word the reporter wrote, nor the digest. */
  async function itemsAt(now: Date): Promise<WaitingItem[]> {
    const items = await waiting.list(now);
    expect(JSON.stringify(items)).not.toContain(CANARY);
    const mail = digestMail({
      listAddress: 'distributors@example.org',
      publicUrl: 'https://cordon.example.org',
      now,
      items,
      fresh: new Set(items.map((i) => i.key)),
    });
    expect(mail.text).not.toContain(CANARY);
    return items;
  }

  it('lists a new report with its first answer due, until a maintainer acknowledges it', async () => {
    const report = await fileOne(T0);
    const [waits] = await itemsAt(hours(1));
    expect(waits).toMatchObject({
      kind: 'report',
      // Thursday, Friday, Monday: due as Monday ends in Berlin.
      text: `Vulnerability report ${report.reference} waits for its first answer, due Monday 2026-12-07 24:00 Europe/Berlin (23:00 UTC)`,
      link: `/admin/reports/${report.id}`,
      since: T0,
    });
    expect(await itemsAt(hours(1))).toHaveLength(1);

    const late = await itemsAt(new Date('2026-12-08T08:00:00Z'));
    expect(late).toHaveLength(1);
    expect(late[0].text).toBe(
      `Vulnerability report ${report.reference} waits for its first answer, overdue since Monday 2026-12-07 24:00 Europe/Berlin (23:00 UTC)`,
    );
    // The same report waiting on is the same item: becoming overdue is not news for the digest.
    expect(late[0].key).toBe(waits.key);

    await bed.get(AcknowledgeReport).execute(report.id, tom.id, hours(2));
    expect(await itemsAt(hours(3))).toEqual([]);
  });

  it("lists the reporter's answer after the maintainers' last step, each answer a new item, until they step again", async () => {
    const report = await fileOne(hours(10));
    await bed.get(AcknowledgeReport).execute(report.id, tom.id, hours(11));
    await bed.get(AskReporter).execute(report.id, tom.id, 'Which build flags?', hours(12));
    expect(await itemsAt(hours(12))).toEqual([]);

    await bed.get(ReporterReply).execute(report.id, `The default ones ${CANARY}.`, [], hours(13));
    const first = await itemsAt(hours(14));
    expect(first.map((i) => [i.kind, i.text, i.link, i.since])).toEqual([
      [
        'report_answer',
        `The reporter of ${report.reference} wrote on its report`,
        `/admin/reports/${report.id}`,
        hours(13),
      ],
    ]);

    await bed.get(ReporterReply).execute(report.id, `And with -O2 ${CANARY}.`, [], hours(15));
    const second = await itemsAt(hours(16));
    expect(second).toHaveLength(1);
    expect(second[0]).toMatchObject({ kind: 'report_answer', since: hours(15) });
    expect(second[0].key).not.toBe(first[0].key);

    // Any step of a maintainer, an internal comment too, says someone has looked.
    await bed.get(CommentOnReport).execute(report.id, tom.id, 'Reproduced.', hours(17));
    expect(await itemsAt(hours(18))).toEqual([]);
  });

  it('lists an objection to the public date, not an agreement, and nothing of a closed report', async () => {
    const report = await fileOne(hours(20));
    await bed.get(AcknowledgeReport).execute(report.id, tom.id, hours(21));
    const date = { publicAt: '2026-12-16T10:00', timeZone: 'Europe/Berlin' };
    await bed.get(ProposePublicDate).execute(report.id, tom.id, date, hours(22));

    await bed.get(AnswerPublicDate).execute(report.id, 'objected', `Too soon for us ${CANARY}.`, hours(23));
    expect((await itemsAt(hours(24))).map((i) => [i.kind, i.text, i.since])).toEqual([
      ['report_answer', `The reporter of ${report.reference} objected to the public date`, hours(23)],
    ]);

    // Agreeing after all withdraws the objection, and asks nothing of the maintainers.
    await bed.get(AnswerPublicDate).execute(report.id, 'agreed', '', hours(25));
    expect(await itemsAt(hours(26))).toEqual([]);

    await bed.get(ReporterReply).execute(report.id, `One more thing ${CANARY}.`, [], hours(27));
    expect((await itemsAt(hours(28))).map((i) => i.kind)).toEqual(['report_answer']);
    await bed
      .get(RejectReport)
      .execute(report.id, tom.id, 'Not a vulnerability: the parser runs sandboxed by design.', hours(29));
    expect(await itemsAt(hours(30))).toEqual([]);
  });

  it('lists a report once while it waits for its first answer, whatever the reporter writes meanwhile', async () => {
    const report = await fileOne(hours(40));
    await bed.get(ReporterReply).execute(report.id, `Forgot the file ${CANARY}.`, [], hours(41));
    expect((await itemsAt(hours(42))).map((i) => [i.kind, i.link])).toEqual([
      ['report', `/admin/reports/${report.id}`],
    ]);
    await bed.get(AcknowledgeReport).execute(report.id, tom.id, hours(43));
  });
});
