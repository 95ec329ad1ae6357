import { simpleParser } from 'mailparser';
import { DomainError } from '@cordon/errors';
import { anOpenpgpKey } from '../../../test/support/keys';
import { aReport, decryptedText, reportsTestbed, ReportsTestbed } from '../../../test/support/reports-testbed';
import { FileReport, MAIL_RECEIPTS_A_DAY } from './file-report';
import { ReportQueries } from './report-queries';
import { AnswerPublicDate } from './reporter/answer-public-date';
import { ReporterAccess } from './reporter/reporter-access';
import { ReporterReply } from './reporter/reporter-reply';
import { SetCredit } from './reporter/set-credit';

const NOW = new Date('2026-12-04T17:00:00Z'); // a Friday

/**
 * Filing a report and the reporter's side of it, through the lib (issue 13): stored sealed, the
 * reporter answered the way its key allows, the maintainers told, bad input refused with nothing kept.
 */
describe('FileReport and the reporter’s side', () => {
  let bed: ReportsTestbed;

  beforeAll(async () => {
    bed = await reportsTestbed();
  }, 120_000);

  afterAll(() => bed?.close());

  it('keeps no word of the report, its files or its link in the clear', async () => {
    const canary = 'CANARY-f1e2-sealed';
    const filed = await bed.get(FileReport).execute(
      aReport({
        description: `Overflow ${canary} in parse()`,
        contact: 'sealed@reporter.example',
        attachments: [
          { filename: `poc-${canary}.py`, contentType: 'text/x-python', bytes: Buffer.from(`print("${canary}")`) },
        ],
      }),
      'form',
      NOW,
    );
    expect(filed.reference).toMatch(/^REP-\d+$/);
    expect(filed.reply).toBe('none'); // the form shows the link; without a key nothing is mailed
    const everything = await bed.everyRowAsText();
    expect(everything).not.toContain(canary);
    expect(everything).not.toContain(filed.accessLink.split('/').pop());
    // … and it is all there, opened, for the maintainers.
    const detail = await bed.get(ReportQueries).detail(filed.id, NOW);
    expect(detail.content.description).toContain(canary);
    expect(detail.attachments).toEqual([
      expect.objectContaining({ filename: `poc-${canary}.py`, size: Buffer.byteLength(`print("${canary}")`) }),
    ]);
    const file = await bed.get(ReportQueries).attachment(filed.id, detail.attachments[0].id, false);
    expect(file.bytes.toString()).toBe(`print("${canary}")`);
    // Each maintainer was told, encrypted, with the report's reference.
    const told = await bed.queuedTo('lea@example.org');
    const notice = told.find((mail) => mail.purpose === 'report.received')!;
    expect(notice.raw).not.toContain(canary);
    expect(await decryptedText(notice.raw, bed.maintainer.key)).toContain(filed.reference);
  });

  it('mails the link encrypted to the reporter’s key, and a reporter without one by mail gets only the link', async () => {
    const key = await anOpenpgpKey('keyed@reporter.example', 'Keyed Reporter');
    const keyed = await bed
      .get(FileReport)
      .execute(
        aReport({ contact: 'keyed@reporter.example', reporterKey: key.publicKey, component: 'frobd' }),
        'form',
        NOW,
      );
    expect(keyed.reply).toBe('encrypted');
    const [receipt] = await bed.queuedTo('keyed@reporter.example');
    expect(receipt.raw).not.toContain('frobd');
    const text = await decryptedText(receipt.raw, key);
    expect(text).toContain(keyed.accessLink);
    expect(text).toContain('stored sealed');
    // Due by the end of the third business day after Friday: Wednesday.
    expect(text).toContain('Wednesday 2026-12-09 24:00');

    const plain = await bed
      .get(FileReport)
      .execute(aReport({ contact: 'plain@reporter.example', component: 'frob-secret-name' }), 'mail', NOW);
    expect(plain.reply).toBe('plain');
    const [notice] = await bed.queuedTo('plain@reporter.example');
    expect((await simpleParser(notice.raw)).text).toContain(plain.accessLink);
    expect(notice.raw).not.toContain('frob-secret-name');
    expect(notice.raw).not.toContain('BEGIN PGP MESSAGE');
  });

  it('answers a mailed report’s sender a few times a day at most, and automatic mail never', async () => {
    // The sender of mail can be forged: five receipts a day to one address, then the reports are
    // filed without one.
    const replies: string[] = [];
    for (let i = 0; i < MAIL_RECEIPTS_A_DAY + 1; i++) {
      const filed = await bed.get(FileReport).execute(aReport({ contact: 'often@reporter.example' }), 'mail', NOW);
      replies.push(filed.reply);
    }
    expect(replies).toEqual([...Array<string>(MAIL_RECEIPTS_A_DAY).fill('plain'), 'none']);
    expect(await bed.queuedTo('often@reporter.example')).toHaveLength(MAIL_RECEIPTS_A_DAY);

    const quiet = await bed.dataSource.transaction((manager) =>
      bed
        .get(FileReport)
        .within(manager, aReport({ contact: 'robot@reporter.example' }), 'mail', NOW, { receipt: false }),
    );
    expect(quiet.reply).toBe('none');
    expect(await bed.queuedTo('robot@reporter.example')).toEqual([]);
    expect((await bed.get(ReportQueries).detail(quiet.id, NOW)).status).toBe('new');
  });

  it.each([
    ['a missing description', { description: '  ' }, 'description'],
    ['two addresses', { contact: 'a@example.org, b@example.org' }, 'contact'],
    ['an unknown answer to "already public"', { alreadyPublic: 'maybe' as never }, 'alreadyPublic'],
    ['a control character', { component: 'frob\u0007' }, 'component'],
    [
      'a key that is no key',
      { reporterKey: '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----' },
      'reporterKey',
    ],
    [
      'eleven files',
      {
        attachments: Array.from({ length: 11 }, (_, i) => ({
          filename: `${i}`,
          contentType: 'text/plain',
          bytes: Buffer.from('x'),
        })),
      },
      'attachments',
    ],
  ])('refuses %s, naming the field, and keeps nothing', async (_what, overrides, field) => {
    const before = await bed.get(ReportQueries).queue(NOW);
    const refusal = bed.get(FileReport).execute(aReport(overrides), 'form', NOW);
    await expect(refusal).rejects.toBeInstanceOf(DomainError);
    await expect(refusal).rejects.toMatchObject({ field });
    expect(await bed.get(ReportQueries).queue(NOW)).toHaveLength(before.length);
  });

  it('refuses a report over REPORT_MAX_BYTES as too large', async () => {
    const small = await reportsTestbed({ REPORT_MAX_BYTES: '4096' });
    try {
      const big = { filename: 'core.dump', contentType: 'application/octet-stream', bytes: Buffer.alloc(5000) };
      await expect(small.get(FileReport).execute(aReport({ attachments: [big] }), 'form', NOW)).rejects.toMatchObject({
        code: 'TOO_LARGE',
        field: 'attachments',
      });
      expect(await small.get(ReportQueries).queue(NOW)).toEqual([]);
    } finally {
      await small.close();
    }
  }, 120_000);

  it('opens the reporter’s page by its link only, shows it its own history, and takes its reply and credit', async () => {
    const filed = await bed.get(FileReport).execute(aReport({ contact: 'page@reporter.example' }), 'form', NOW);
    const token = filed.accessLink.split('/').pop()!;
    expect(await bed.get(ReporterAccess).open(token)).toBe(filed.id);
    await expect(
      bed.get(ReporterAccess).open(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(bed.get(ReporterAccess).open('../../etc/passwd')).rejects.toMatchObject({ code: 'NOT_FOUND' });

    await bed
      .get(ReporterReply)
      .execute(filed.id, 'One more detail: <script>alert(1)</script>', [
        { filename: 'trace.txt', contentType: 'text/plain', bytes: Buffer.from('stack') },
      ]);
    await bed.get(SetCredit).execute(filed.id, 'Rita R.', true);
    await expect(bed.get(SetCredit).execute(filed.id, '', true)).rejects.toMatchObject({ field: 'creditName' });
    // No date was proposed yet: nothing to agree to.
    await expect(bed.get(AnswerPublicDate).execute(filed.id, 'agreed', '')).rejects.toMatchObject({
      code: 'WRONG_STATE',
    });

    const page = await bed.get(ReportQueries).reporterView(filed.id);
    expect(page).toMatchObject({
      reference: filed.reference,
      status: 'new',
      creditName: 'Rita R.',
      creditConsent: true,
      open: true,
    });
    const reply = page.history.find((item) => item.kind === 'reporter_message')!;
    // Kept as written: escaping is the page's part.
    expect(reply.text).toBe('One more detail: <script>alert(1)</script>');
    expect(reply.attachments).toEqual([expect.objectContaining({ filename: 'trace.txt', size: 5 })]);
    const file = await bed.get(ReportQueries).attachment(filed.id, reply.attachments[0].id, true);
    expect(file.bytes.toString()).toBe('stack');
  });

  it('never opens another report’s file through this one', async () => {
    const a = await bed
      .get(FileReport)
      .execute(
        aReport({ attachments: [{ filename: 'a.txt', contentType: 'text/plain', bytes: Buffer.from('A') }] }),
        'form',
        NOW,
      );
    const b = await bed.get(FileReport).execute(aReport(), 'form', NOW);
    const [fileOfA] = (await bed.get(ReportQueries).detail(a.id, NOW)).attachments;
    // Its own reporter finds it on the first line of its page, where it sent it, and downloads it.
    const [sent] = (await bed.get(ReportQueries).reporterView(a.id)).history;
    expect(sent).toMatchObject({ kind: 'status', status: 'new', attachments: [{ id: fileOfA.id, filename: 'a.txt' }] });
    expect((await bed.get(ReportQueries).attachment(a.id, fileOfA.id, true)).bytes.toString()).toBe('A');
    await expect(bed.get(ReportQueries).attachment(b.id, fileOfA.id, true)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(bed.get(ReportQueries).attachment(b.id, fileOfA.id, false)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
