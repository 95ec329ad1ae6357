import { Embargo } from '@cordon/embargo';
import { anOpenpgpKey } from '../../../../test/support/keys';
import {
  ActiveMaintainer,
  anActiveMaintainer,
  expectRefused,
  fileReport,
  reportAudits,
  reportRow,
} from '../../../../test/support/report-triage';
import { decryptedText, reportsTestbed, ReportsTestbed } from '../../../../test/support/reports-testbed';
import { ReportQueries } from '../report-queries';
import { ReporterReply } from '../reporter/reporter-reply';
import { AcceptReport } from './accept-report';
import { AcknowledgeReport } from './acknowledge-report';
import { AskReporter } from './ask-reporter';
import { MarkDuplicate } from './mark-duplicate';
import { RejectReport } from './reject-report';

const RECEIVED = new Date('2026-11-20T10:00:00Z'); // a Friday, ten business days before NOW
const NOW = new Date('2026-12-04T17:00:00Z'); // a Friday

/**
 * The maintainers' answers to a report (issue 13, "Triage"): acknowledge, ask, accept, reject, mark
 * a duplicate. Each moves the report as its states allow, stops the acknowledgement clock, tells the
 * reporter in mail only its key opens, audits facts only, and changes nothing when refused.
 */
describe('Triage: the answers to a report', () => {
  let bed: ReportsTestbed;
  let tom: ActiveMaintainer;
  let reporters = 0;

  beforeAll(async () => {
    bed = await reportsTestbed();
    tom = await anActiveMaintainer(bed, 'tom@example.org');
  }, 120_000);

  afterAll(() => bed?.close());

  /** A report from a reporter of its own, with a key, so each test reads only its mail. */
  async function aFiledReport(overrides: Parameters<typeof fileReport>[2] = {}, at = RECEIVED) {
    const contact = `reporter${++reporters}@reporter.example`;
    const key = await anOpenpgpKey(contact, 'Rita Reporter');
    const filed = await fileReport(bed, at, { contact, reporterKey: key.publicKey, ...overrides });
    return {
      ...filed,
      contact,
      /** The reporter's mail for `purpose`, decrypted with its key. */
      mail: async (purpose: string) => {
        const mails = (await bed.queuedTo(contact)).filter((mail) => mail.purpose === purpose);
        expect(mails).toHaveLength(1);
        return decryptedText(mails[0].raw, key);
      },
    };
  }

  it('acknowledges a new report: the clock stops, the reporter is told, and only once', async () => {
    const report = await aFiledReport();
    await bed.get(AcknowledgeReport).execute(report.id, tom.id, NOW);
    expect(await reportRow(bed, report.id)).toMatchObject({
      status: 'acknowledged',
      acknowledgedAt: NOW,
      closedAt: null,
    });
    expect(await report.mail('report.acknowledged')).toContain(`acknowledged your report ${report.reference}`);
    expect(await reportAudits(bed, report.id)).toContainEqual({
      action: 'report.acknowledged',
      details: { reference: report.reference, status: 'acknowledged' },
    });
    const view = await bed.get(ReportQueries).reporterView(report.id);
    expect(view.history.map((item) => item.status)).toEqual(['new', 'acknowledged']);
    const error = await expectRefused(
      bed,
      () => bed.get(AcknowledgeReport).execute(report.id, tom.id, NOW),
      'WRONG_STATE',
    );
    expect(error.message).toBe(`${report.reference} is already acknowledged.`);
  });

  it('lets only an active maintainer act, and only on a report that exists', async () => {
    const report = await aFiledReport();
    // The testbed's maintainer was added and has not enrolled: it cannot sign in, nor triage.
    await expectRefused(bed, () => bed.get(AcknowledgeReport).execute(report.id, bed.maintainer.id, NOW), 'FORBIDDEN');
    await expectRefused(
      bed,
      () => bed.get(RejectReport).execute(report.id, 'no-such-maintainer', 'Not a bug at all.', NOW),
      'FORBIDDEN',
    );
    const unknown = await expectRefused(
      bed,
      () => bed.get(AcknowledgeReport).execute('00000000-0000-4000-8000-000000000000', tom.id, NOW),
      'NOT_FOUND',
    );
    expect(unknown.message).toBe('There is no such report.');
    await expectRefused(bed, () => bed.get(AskReporter).execute('REP-1', tom.id, 'Which version?', NOW), 'NOT_FOUND');
  });

  it('asks the reporter: the question reaches it encrypted, and its answer brings the report back', async () => {
    const report = await aFiledReport();
    const question = 'Does it also happen with --safe-mode on version 2.3?';
    await bed.get(AskReporter).execute(report.id, tom.id, question, NOW);
    expect(await reportRow(bed, report.id)).toMatchObject({ status: 'needs_information', acknowledgedAt: NOW });
    expect(await report.mail('report.question')).toContain(question);
    const history = (await bed.get(ReportQueries).reporterView(report.id)).history;
    expect(history).toContainEqual(expect.objectContaining({ kind: 'message_to_reporter', text: question }));
    const facts = await reportAudits(bed, report.id);
    expect(facts).toContainEqual({
      action: 'report.asked',
      details: { reference: report.reference, status: 'needs_information' },
    });
    expect(JSON.stringify(facts)).not.toContain('safe-mode');

    const later = new Date(NOW.getTime() + 3600_000);
    await bed.get(ReporterReply).execute(report.id, 'Yes, with --safe-mode too.', [], later);
    expect(await reportRow(bed, report.id)).toMatchObject({ status: 'acknowledged', acknowledgedAt: NOW });
    // A second question may follow; the first answer's time stays the acknowledgement.
    await bed.get(AskReporter).execute(report.id, tom.id, 'And on 2.4.1?', later);
    expect(await reportRow(bed, report.id)).toMatchObject({ status: 'needs_information', acknowledgedAt: NOW });
    await expectRefused(
      bed,
      () => bed.get(AskReporter).execute(report.id, tom.id, '   ', later),
      'INVALID_INPUT',
      'question',
    );
  });

  it('rejects with a reason the reporter reads, closes the report, and nothing leaves rejected', async () => {
    const report = await aFiledReport();
    await expectRefused(
      bed,
      () => bed.get(RejectReport).execute(report.id, tom.id, 'Not a bug', NOW),
      'INVALID_INPUT',
      'reason',
    );
    const reason = 'The parser runs only on files the user already controls: no privilege is crossed.';
    await bed.get(RejectReport).execute(report.id, tom.id, reason, NOW);
    expect(await reportRow(bed, report.id)).toMatchObject({ status: 'rejected', acknowledgedAt: NOW, closedAt: NOW });
    const mail = await report.mail('report.rejected');
    expect(mail).toContain(reason);
    expect(mail).toContain(report.reference);
    const view = await bed.get(ReportQueries).reporterView(report.id);
    expect(view.history).toContainEqual(expect.objectContaining({ kind: 'status', status: 'rejected', text: reason }));
    const facts = await reportAudits(bed, report.id);
    expect(facts).toContainEqual({
      action: 'report.rejected',
      details: { reference: report.reference, status: 'rejected' },
    });
    expect(JSON.stringify(facts)).not.toContain('privilege');

    for (const step of [
      () => bed.get(AcknowledgeReport).execute(report.id, tom.id, NOW),
      () => bed.get(AskReporter).execute(report.id, tom.id, 'One more thing?', NOW),
      () => bed.get(AcceptReport).execute(report.id, tom.id, { publicAt: '2026-12-10T12:00', timeZone: 'UTC' }, NOW),
      () => bed.get(RejectReport).execute(report.id, tom.id, reason, NOW),
      () => bed.get(MarkDuplicate).execute(report.id, tom.id, 'REP-1', NOW),
    ]) {
      const error = await expectRefused(bed, step, 'WRONG_STATE');
      expect(error.message).toBe(`${report.reference} is decided: it was rejected. It cannot be changed any more.`);
    }
  });

  it('marks a duplicate of the original, never of itself, and tells the reporter without the other report', async () => {
    const original = await aFiledReport();
    const second = await aFiledReport();
    const third = await aFiledReport();
    await expectRefused(
      bed,
      () => bed.get(MarkDuplicate).execute(second.id, tom.id, second.reference, NOW),
      'INVALID_INPUT',
      'of',
    );
    await expectRefused(
      bed,
      () => bed.get(MarkDuplicate).execute(second.id, tom.id, second.id, NOW),
      'INVALID_INPUT',
      'of',
    );
    await expectRefused(
      bed,
      () => bed.get(MarkDuplicate).execute(second.id, tom.id, 'REP-99999', NOW),
      'INVALID_INPUT',
      'of',
    );
    await expectRefused(
      bed,
      () => bed.get(MarkDuplicate).execute(second.id, tom.id, '00000000-0000-4000-8000-000000000000', NOW),
      'INVALID_INPUT',
      'of',
    );

    await bed.get(MarkDuplicate).execute(second.id, tom.id, original.reference.toLowerCase(), NOW);
    expect(await reportRow(bed, second.id)).toMatchObject({
      status: 'duplicate',
      duplicateOf: original.id,
      acknowledgedAt: NOW,
      closedAt: NOW,
    });
    const mail = await second.mail('report.duplicate');
    expect(mail).toContain(second.reference);
    expect(mail).not.toContain(original.reference);
    expect(await reportAudits(bed, second.id)).toContainEqual({
      action: 'report.marked_duplicate',
      details: { reference: second.reference, status: 'duplicate', duplicateOf: original.id },
    });
    // A duplicate of the duplicate points at the original, by id as well as by reference.
    await bed.get(MarkDuplicate).execute(third.id, tom.id, second.id, NOW);
    expect(await reportRow(bed, third.id)).toMatchObject({ duplicateOf: original.id });
    expect((await bed.get(ReportQueries).detail(third.id, NOW)).duplicateOf).toEqual({
      id: original.id,
      reference: original.reference,
    });
    await expectRefused(bed, () => bed.get(AcknowledgeReport).execute(third.id, tom.id, NOW), 'WRONG_STATE');
    // The original cannot in turn become a duplicate of what duplicates it.
    await expectRefused(
      bed,
      () => bed.get(MarkDuplicate).execute(original.id, tom.id, third.reference, NOW),
      'INVALID_INPUT',
      'of',
    );
  });

  it('accepts into an embargo made from the report: its title, versions, credit with consent, date', async () => {
    const report = await aFiledReport({ component: 'libfrob parser', creditName: 'Rita R.', creditConsent: true });
    await bed.get(AcknowledgeReport).execute(report.id, tom.id, NOW);
    const accepted = await bed
      .get(AcceptReport)
      .execute(
        report.id,
        tom.id,
        { publicAt: '2026-12-10T12:00', timeZone: 'Europe/Berlin', cveIds: ['CVE-2026-12345'], fixedVersions: '2.4.2' },
        NOW,
      );
    const embargo = await bed.dataSource.manager.findOneByOrFail(Embargo, { id: accepted.embargoId });
    expect(embargo).toMatchObject({
      number: accepted.embargoNumber,
      title: 'libfrob parser',
      affectedVersions: '2.0 to 2.4.1',
      fixedVersions: '2.4.2',
      reporterCredit: 'Rita R.',
      cveIds: ['CVE-2026-12345'],
      timeZone: 'Europe/Berlin',
      publicAt: new Date('2026-12-10T11:00:00Z'),
      limitCountedFrom: RECEIVED,
      createdBy: `maintainer:${tom.id}`,
      status: 'active',
    });
    expect(await reportRow(bed, report.id)).toMatchObject({
      status: 'accepted',
      embargoId: embargo.id,
      closedAt: null,
    });
    const mail = await report.mail('report.accepted');
    expect(mail).toContain('2026-12-10 12:00 Europe/Berlin');
    expect(mail).toContain('credited as “Rita R.”');
    expect(await reportAudits(bed, report.id)).toContainEqual({
      action: 'report.accepted',
      details: { reference: report.reference, status: 'accepted', embargo: embargo.id, embargoNumber: embargo.number },
    });
    const view = await bed.get(ReportQueries).reporterView(report.id);
    expect(view.proposedPublic).toEqual({ at: embargo.publicAt, timeZone: 'Europe/Berlin' });
    const error = await expectRefused(
      bed,
      () => bed.get(RejectReport).execute(report.id, tom.id, 'Changed our mind.', NOW),
      'WRONG_STATE',
    );
    expect(error.message).toContain('accepted');
  });

  it('credits no one without consent, titles as given, and accepts a new report as its first answer', async () => {
    const report = await aFiledReport({ creditName: 'Rita R.', creditConsent: false }, NOW);
    const { embargoId } = await bed
      .get(AcceptReport)
      .execute(
        report.id,
        tom.id,
        { title: 'Heap overflow in frob', publicAt: '2026-12-10T12:00', timeZone: 'UTC' },
        NOW,
      );
    const embargo = await bed.dataSource.manager.findOneByOrFail(Embargo, { id: embargoId });
    expect(embargo).toMatchObject({ title: 'Heap overflow in frob', reporterCredit: '', limitCountedFrom: NOW });
    expect(await reportRow(bed, report.id)).toMatchObject({ status: 'accepted', acknowledgedAt: NOW });
    expect(await report.mail('report.accepted')).toContain('will not be credited');
  });

  it('counts the embargo limit from the report’s date: an old report needs a reason sooner', async () => {
    const report = await aFiledReport(); // ten business days old at NOW
    // Six business days from NOW, sixteen from the report's date: past the 14 the policy allows.
    const terms = { publicAt: '2026-12-14T12:00', timeZone: 'UTC' };
    const error = await expectRefused(
      bed,
      () => bed.get(AcceptReport).execute(report.id, tom.id, terms, NOW),
      'INVALID_INPUT',
      'overLimitReason',
    );
    expect(error.message).toContain('16 business days');
    await expectRefused(
      bed,
      () => bed.get(AcceptReport).execute(report.id, tom.id, { publicAt: '2026-12-01T12:00', timeZone: 'UTC' }, NOW),
      'INVALID_INPUT',
      'publicAt',
    );
    await expectRefused(
      bed,
      () => bed.get(AcceptReport).execute(report.id, tom.id, { ...terms, cveIds: ['CVE-12'] }, NOW),
      'INVALID_INPUT',
    );
    const { embargoId } = await bed
      .get(AcceptReport)
      .execute(report.id, tom.id, { ...terms, overLimitReason: 'The fix needs a coordinated release upstream.' }, NOW);
    const embargo = await bed.dataSource.manager.findOneByOrFail(Embargo, { id: embargoId });
    expect(embargo).toMatchObject({
      limitCountedFrom: RECEIVED,
      overLimitReason: 'The fix needs a coordinated release upstream.',
    });
  });
});
