import { decrypt, readMessage } from 'openpgp';
import { ListKey } from '@cordon/crypto';
import { OutboundMessage } from '@cordon/delivery';
import { anOpenpgpKey, TestKey } from '../../../../test/support/keys';
import { armoredPart } from '../../../../test/support/mailbox';
import {
  ActiveMaintainer,
  anActiveMaintainer,
  everyRow,
  expectRefused,
  fileReport,
  reportAudits,
  reportRow,
} from '../../../../test/support/report-triage';
import { decryptedText, reportsTestbed, ReportsTestbed } from '../../../../test/support/reports-testbed';
import { ReportQueries } from '../report-queries';
import { AnswerPublicDate } from '../reporter/answer-public-date';
import { AcceptReport } from './accept-report';
import { AssignHandler } from './assign-handler';
import { CommentOnReport } from './comment-on-report';
import { MessageParty } from './message-party';
import { ProposePublicDate } from './propose-public-date';
import { RejectReport } from './reject-report';

const NOW = new Date('2026-12-04T17:00:00Z'); // a Friday

/**
 * The maintainers' work around a report (issue 13): its handler, internal comments, the proposed
 * public date, and messages through the list to the reporter or to an outside party, encrypted to
 * that party's key alone. What is internal never reaches the reporter's page.
 */
describe('Triage: handler, comments, the public date and messages', () => {
  let bed: ReportsTestbed;
  let tom: ActiveMaintainer;
  let ada: ActiveMaintainer;
  let upstream: TestKey;
  let reporters = 0;

  beforeAll(async () => {
    bed = await reportsTestbed();
    tom = await anActiveMaintainer(bed, 'tom@example.org');
    ada = await anActiveMaintainer(bed, 'ada@example.org', 'Ada Handler');
    upstream = await anOpenpgpKey('security@upstream.example', 'Upstream Security');
  }, 120_000);

  afterAll(() => bed?.close());

  async function aFiledReport() {
    const contact = `reporter${++reporters}@reporter.example`;
    const key = await anOpenpgpKey(contact, 'Rita Reporter');
    const filed = await fileReport(bed, NOW, { contact, reporterKey: key.publicKey });
    return { ...filed, contact, key };
  }

  it('names a handler among the active maintainers, and clears it; the reporter never sees who', async () => {
    const report = await aFiledReport();
    await expectRefused(
      bed,
      () => bed.get(AssignHandler).execute(report.id, tom.id, bed.maintainer.id, NOW),
      'INVALID_INPUT',
      'handlerId',
    );
    await expectRefused(
      bed,
      () => bed.get(AssignHandler).execute(report.id, bed.maintainer.id, ada.id, NOW),
      'FORBIDDEN',
    );
    await bed.get(AssignHandler).execute(report.id, tom.id, ada.id, NOW);
    expect(await reportRow(bed, report.id)).toMatchObject({ handlerId: ada.id, status: 'new', acknowledgedAt: null });
    expect((await bed.get(ReportQueries).detail(report.id, NOW)).handler).toEqual({ id: ada.id, name: 'Ada Handler' });
    await bed.get(AssignHandler).execute(report.id, tom.id, null, NOW);
    expect(await reportRow(bed, report.id)).toMatchObject({ handlerId: null });
    expect(await reportAudits(bed, report.id)).toEqual(
      expect.arrayContaining([
        {
          action: 'report.handler_assigned',
          details: { reference: report.reference, handler: ada.id, previous: null },
        },
        {
          action: 'report.handler_assigned',
          details: { reference: report.reference, handler: null, previous: ada.id },
        },
      ]),
    );
    const view = await bed.get(ReportQueries).reporterView(report.id);
    expect(view.history.map((item) => item.kind)).toEqual(['status']);
    expect(await bed.queuedTo(report.contact)).toHaveLength(1); // only the receipt
  });

  it('keeps comments internal: in the maintainers’ history, never on the reporter’s page nor in its mail', async () => {
    const report = await aFiledReport();
    const comment = 'Probably the same root cause as the frob fuzzing crash.';
    await bed.get(CommentOnReport).execute(report.id, tom.id, comment, NOW);
    const detail = await bed.get(ReportQueries).detail(report.id, NOW);
    expect(detail.history).toContainEqual(
      expect.objectContaining({ kind: 'comment', text: comment, shownToReporter: false, actorName: 'Tom Triage' }),
    );
    const view = await bed.get(ReportQueries).reporterView(report.id);
    expect(JSON.stringify(view)).not.toContain('root cause');
    expect(await bed.queuedTo(report.contact)).toHaveLength(1);
    expect(await everyRow(bed)).not.toContain('root cause');
    expect(await reportAudits(bed, report.id)).toContainEqual({
      action: 'report.commented',
      details: { reference: report.reference },
    });
    await expectRefused(
      bed,
      () => bed.get(CommentOnReport).execute(report.id, tom.id, ' ', NOW),
      'INVALID_INPUT',
      'text',
    );
  });

  it('proposes a public date, clears the reporter’s answer, and leaves an accepted report’s date to its embargo', async () => {
    const report = await aFiledReport();
    const date = { publicAt: '2026-12-15T10:00', timeZone: 'Europe/Berlin' };
    await expectRefused(
      bed,
      () =>
        bed.get(ProposePublicDate).execute(report.id, tom.id, { publicAt: '2026-12-01T10:00', timeZone: 'UTC' }, NOW),
      'INVALID_INPUT',
      'publicAt',
    );
    await expectRefused(
      bed,
      () =>
        bed
          .get(ProposePublicDate)
          .execute(report.id, tom.id, { publicAt: '2026-12-15T10:00', timeZone: 'Mars/Base' }, NOW),
      'INVALID_INPUT',
      'timeZone',
    );
    await bed.get(ProposePublicDate).execute(report.id, tom.id, date, NOW);
    const at = new Date('2026-12-15T09:00:00Z');
    expect(await reportRow(bed, report.id)).toMatchObject({ proposedPublicAt: at, proposedTimeZone: 'Europe/Berlin' });
    const mails = (await bed.queuedTo(report.contact)).filter((mail) => mail.purpose === 'report.date_proposed');
    expect(await decryptedText(mails[0].raw, report.key)).toContain('2026-12-15 10:00 Europe/Berlin');
    expect((await bed.get(ReportQueries).reporterView(report.id)).proposedPublic).toEqual({
      at,
      timeZone: 'Europe/Berlin',
    });

    await bed.get(AnswerPublicDate).execute(report.id, 'agreed', '', NOW);
    expect(await reportRow(bed, report.id)).toMatchObject({ reporterDateAnswer: 'agreed' });
    await bed.get(ProposePublicDate).execute(report.id, tom.id, { ...date, publicAt: '2026-12-16T10:00' }, NOW);
    expect(await reportRow(bed, report.id)).toMatchObject({ reporterDateAnswer: null, reporterDateAnsweredAt: null });
    expect(await reportAudits(bed, report.id)).toContainEqual({
      action: 'report.date_proposed',
      details: { reference: report.reference, publicAt: '2026-12-16T09:00:00.000Z', timeZone: 'Europe/Berlin' },
    });

    // Accepted at the date the reporter agreed to, the answer stands; the date is the embargo's now.
    await bed.get(AnswerPublicDate).execute(report.id, 'agreed', '', NOW);
    await bed
      .get(AcceptReport)
      .execute(report.id, tom.id, { publicAt: '2026-12-16T10:00', timeZone: 'Europe/Berlin' }, NOW);
    expect(await reportRow(bed, report.id)).toMatchObject({ reporterDateAnswer: 'agreed' });
    const error = await expectRefused(
      bed,
      () => bed.get(ProposePublicDate).execute(report.id, tom.id, date, NOW),
      'WRONG_STATE',
    );
    expect(error.message).toContain('Extend the embargo');

    const rejected = await aFiledReport();
    await bed.get(RejectReport).execute(rejected.id, tom.id, 'Works as documented in the manual.', NOW);
    await expectRefused(bed, () => bed.get(ProposePublicDate).execute(rejected.id, tom.id, date, NOW), 'WRONG_STATE');
  });

  it('clears an answer to another date when the report is accepted at a different one', async () => {
    const report = await aFiledReport();
    await bed.get(ProposePublicDate).execute(report.id, tom.id, { publicAt: '2026-12-15T10:00', timeZone: 'UTC' }, NOW);
    await bed.get(AnswerPublicDate).execute(report.id, 'objected', 'Too soon for the distributions.', NOW);
    await bed.get(AcceptReport).execute(report.id, tom.id, { publicAt: '2026-12-18T10:00', timeZone: 'UTC' }, NOW);
    expect(await reportRow(bed, report.id)).toMatchObject({ reporterDateAnswer: null });
  });

  it('writes to the reporter, encrypted to its key, on its page too', async () => {
    const report = await aFiledReport();
    const text = 'We reproduced it on 2.4.1; a fix is being reviewed.';
    await bed.get(MessageParty).execute(report.id, tom.id, { kind: 'reporter' }, text, NOW);
    const mails = (await bed.queuedTo(report.contact)).filter((mail) => mail.purpose === 'report.message');
    expect(mails).toHaveLength(1);
    expect(mails[0].raw).not.toContain('reproduced');
    expect(await decryptedText(mails[0].raw, report.key)).toContain(text);
    const view = await bed.get(ReportQueries).reporterView(report.id);
    expect(view.history).toContainEqual(
      expect.objectContaining({ kind: 'message_to_reporter', text, actorName: null }),
    );
    expect(await reportAudits(bed, report.id)).toContainEqual({
      action: 'report.message_sent',
      details: { reference: report.reference, to: 'reporter' },
    });
  });

  it('writes to the reporter of a closed report without offering a reply it cannot send', async () => {
    const report = await aFiledReport();
    await bed.get(RejectReport).execute(report.id, tom.id, 'Works as documented in the manual.', NOW);
    await bed.get(MessageParty).execute(report.id, tom.id, { kind: 'reporter' }, 'See section 4 of the manual.', NOW);
    const mails = (await bed.queuedTo(report.contact)).filter((mail) => mail.purpose === 'report.message');
    const text = await decryptedText(mails[0].raw, report.key);
    expect(text).toContain('See section 4 of the manual.');
    expect(text).toContain('The report is closed');
    expect(text).not.toContain('You can answer');
  });

  it('writes to an outsider only encrypted to its key and signed by the list key; no one else gets it', async () => {
    const report = await aFiledReport();
    const text = 'Your libfrob 2.4 is affected by REP report: overflow in frob_parse(); details follow.';
    const outsider = {
      kind: 'outsider' as const,
      name: 'Upstream Security',
      email: 'security@upstream.example',
      key: upstream.publicKey,
    };
    const before = await bed.dataSource.manager.count(OutboundMessage);
    await bed.get(MessageParty).execute(report.id, tom.id, outsider, text, NOW);
    const sent = await bed.dataSource.manager.find(OutboundMessage, { where: { purpose: 'report.outsider_message' } });
    expect(sent).toHaveLength(1);
    expect(await bed.dataSource.manager.count(OutboundMessage)).toBe(before + 1);
    expect(sent[0].recipient).toBe('security@upstream.example');
    const raw = Buffer.from(sent[0].raw).toString('utf8');
    expect(raw).not.toContain('frob_parse');
    const { data, signatures } = await decrypt({
      message: await readMessage({ armoredMessage: armoredPart(raw) }),
      decryptionKeys: upstream.privateKey,
      verificationKeys: await bed.get(ListKey).public(),
    });
    expect(String(data)).toContain(text);
    expect(String(data)).toContain('Dear Upstream Security');
    await expect(signatures[0].verified).resolves.toBe(true);
    // Neither the reporter's key nor a maintainer's opens it.
    await expect(decryptedText(raw, report.key)).rejects.toThrow();
    await expect(decryptedText(raw, tom.key)).rejects.toThrow();

    const detail = await bed.get(ReportQueries).detail(report.id, NOW);
    expect(detail.history).toContainEqual(
      expect.objectContaining({
        kind: 'message_to_outsider',
        text,
        shownToReporter: false,
        to: { name: 'Upstream Security', email: 'security@upstream.example' },
      }),
    );
    expect(JSON.stringify(await bed.get(ReportQueries).reporterView(report.id))).not.toContain('upstream');
    expect(await bed.queuedTo(report.contact)).toHaveLength(1);
    const facts = await reportAudits(bed, report.id);
    expect(facts).toContainEqual({
      action: 'report.message_sent',
      details: {
        reference: report.reference,
        to: 'outsider',
        email: 'security@upstream.example',
        key: upstream.fingerprint,
      },
    });
    expect(JSON.stringify(facts)).not.toContain('frob_parse');
  });

  it('refuses an outsider without a usable key, a name or one address, and sends nothing', async () => {
    const report = await aFiledReport();
    const good = {
      kind: 'outsider' as const,
      name: 'Upstream',
      email: 'security@upstream.example',
      key: upstream.publicKey,
    };
    const send = (to: Parameters<MessageParty['execute']>[2]) =>
      bed.get(MessageParty).execute(report.id, tom.id, to, 'Please look at this.', NOW);
    await expectRefused(bed, () => send({ ...good, key: '' }), 'INVALID_INPUT', 'key');
    await expectRefused(bed, () => send({ ...good, key: 'not a key at all' }), 'INVALID_INPUT', 'key');
    await expectRefused(
      bed,
      () => send({ ...good, key: upstream.publicKey.replace(/[A-Za-z0-9]{20}\n/, 'AAAAAAAAAAAAAAAAAAAA\n') }),
      'KEY_UNREADABLE',
      'key',
    );
    const secret = upstream.privateKey.armor();
    await expectRefused(bed, () => send({ ...good, key: secret }), 'INVALID_INPUT', 'key');
    // A key for another address is not this party's key.
    await expectRefused(bed, () => send({ ...good, key: report.key.publicKey }), 'KEY_NO_MATCHING_USER_ID', 'key');
    await expectRefused(bed, () => send({ ...good, email: 'a@x.example, b@y.example' }), 'INVALID_INPUT', 'email');
    await expectRefused(
      bed,
      () => send({ ...good, email: 'Upstream <security@upstream.example>' }),
      'INVALID_INPUT',
      'email',
    );
    await expectRefused(bed, () => send({ ...good, name: '' }), 'INVALID_INPUT', 'name');
    await expectRefused(bed, () => send({ ...good, name: 'x'.repeat(201) }), 'INVALID_INPUT', 'name');
    await expectRefused(bed, () => send({ ...good, name: 'Up\nstream' }), 'INVALID_INPUT', 'name');
    await expectRefused(
      bed,
      () => bed.get(MessageParty).execute(report.id, tom.id, good, '', NOW),
      'INVALID_INPUT',
      'text',
    );
  });
});
