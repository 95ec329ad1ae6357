import { randomBytes, randomUUID } from 'node:crypto';
import { Test, TestingModule } from '@nestjs/testing';
import { simpleParser } from 'mailparser';
import { decrypt, readMessage } from 'openpgp';
import { DataSource } from 'typeorm';
import { AuditModule } from '@cordon/audit';
import { ConfigModule } from '@cordon/config';
import { CryptoModule, ListKey, ServerSecret } from '@cordon/crypto';
import { DeliveryModule } from '@cordon/delivery';
import { ChangeEmbargo, EmbargoModule, HeldCopies } from '@cordon/embargo';
import { AddMaintainer, MaintainersModule } from '@cordon/maintainers';
import { PersistenceModule } from '@cordon/persistence';
import { Policies } from '@cordon/policy';
import { testAuditKey } from '../../../test/support/audit';
import { openTestDatabase, TestDatabase } from '../../../test/support/database';
import { anOpenpgpKey, TestKey } from '../../../test/support/keys';
import { armoredPart } from '../../../test/support/mailbox';
import { testSettings } from '../../../test/support/settings';
import { Report, ReportStatus } from './report.entity';
import { ReportReadings } from './report-readings';
import { ReportReminders } from './report-reminders';

const MAINTAINER = 'lena@project.example';
// Friday 2026-11-27, 18:00 in Berlin: the acknowledgement is due at the end of Wednesday
// (2026-12-02 24:00, 23:00 UTC), its reminder when Tuesday ends; the fix target 60 days later.
const FRIDAY_EVENING = new Date('2026-11-27T17:00:00Z');
const at = (iso: string) => new Date(iso);

describe('ReportReminders', () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let maintainerKey: TestKey;
  let maintainerId: string;
  const ds = (): DataSource => db.database.dataSource;
  const reminders = () => moduleRef.get(ReportReminders);

  beforeAll(async () => {
    db = await openTestDatabase();
    moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(
          testSettings({
            DATA_DIR: db.dataDir,
            PUBLIC_URL: 'https://cordon.example.org',
            PROJECT_TIME_ZONE: 'Europe/Berlin',
          }),
        ),
        PersistenceModule.forDatabase(db.database),
        CryptoModule.forSecret(ServerSecret.fromBytes(randomBytes(32))),
        AuditModule.forKey(testAuditKey),
        // What the two need of ReportsModule, without the rest of it.
        DeliveryModule,
        MaintainersModule,
        EmbargoModule,
      ],
      providers: [ReportReminders, ReportReadings],
    }).compile();
    await ds().transaction(async (manager) => {
      await moduleRef.get(ListKey).ensure(manager);
      await moduleRef.get(Policies, { strict: false }).ensurePublished(manager, 'cli');
    });
    // The relay answers which copies an ending embargo held; no post was made here, so none.
    moduleRef.get(HeldCopies, { strict: false }).provide(() => Promise.resolve([]));
    maintainerKey = await anOpenpgpKey(MAINTAINER, 'Lena');
    ({ maintainerId } = await moduleRef
      .get(AddMaintainer, { strict: false })
      .execute({ email: MAINTAINER, name: 'Lena', keyArmored: maintainerKey.publicKey }, undefined, 'cli'));
  });
  afterAll(async () => {
    await moduleRef?.close();
    await db?.drop();
  });

  /**
   * A report as filed, straight through the lib's own entity: its content is never read here (the
   * notices name the report, not what it says), so random bytes stand in for the sealed content.
   */
  async function aReport(receivedAt: Date, changes: Partial<Report> = {}): Promise<Report> {
    const id = randomUUID();
    await ds()
      .getRepository(Report)
      .insert({
        id,
        status: 'new',
        receivedVia: 'form',
        receivedAt,
        content: randomBytes(64),
        reporterKeyFingerprint: null,
        accessTokenHash: randomBytes(32).toString('hex'),
        accessTokenSealed: randomBytes(48),
        creditConsent: false,
        updatedAt: receivedAt,
        ...changes,
      });
    return ds().getRepository(Report).findOneByOrFail({ id });
  }

  const noticesOf = async (report: Report) =>
    (
      (await ds().query(`SELECT action, details FROM audit_entry WHERE subject = $1 ORDER BY seq`, [
        `report:${report.id}`,
      ])) as { action: string; details: { clock: string; dueAt: string; status: ReportStatus } }[]
    ).map((e) => `${e.action} ${e.details.clock} ${e.details.dueAt}`);

  const newestMail = async (purpose: string) => {
    const [row] = (await ds().query(
      `SELECT raw FROM outbound_message WHERE purpose = $1 ORDER BY created_at DESC LIMIT 1`,
      [purpose],
    )) as { raw: Buffer }[];
    const message = await readMessage({ armoredMessage: armoredPart(Buffer.from(row.raw).toString('utf8')) });
    const { data } = await decrypt({ message, decryptionKeys: maintainerKey.privateKey, format: 'binary' });
    return simpleParser(Buffer.from(data as Uint8Array));
  };

  it('reminds of the acknowledgement once, over the weekend in business days, then tells once it is overdue', async () => {
    const report = await aReport(FRIDAY_EVENING);
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
    const acknowledged = await aReport(FRIDAY_EVENING, {
      status: 'acknowledged',
      acknowledgedAt: at('2026-11-30T09:00:00Z'),
    });
    const rejected = await aReport(FRIDAY_EVENING, {
      status: 'rejected',
      acknowledgedAt: at('2026-11-30T09:00:00Z'),
      closedAt: at('2026-11-30T09:00:00Z'),
    });
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
    const open = await aReport(FRIDAY_EVENING, { status: 'acknowledged', acknowledgedAt: FRIDAY_EVENING });
    const embargo = await moduleRef.get(ChangeEmbargo).create(
      {
        title: 'Parser overflow',
        cveIds: [],
        publicAt: new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 16),
        timeZone: 'UTC',
      },
      maintainerId,
    );
    const published = await aReport(FRIDAY_EVENING, {
      status: 'accepted',
      acknowledgedAt: FRIDAY_EVENING,
      embargoId: embargo.id,
    });
    await moduleRef.get(ChangeEmbargo).lift(embargo.id, maintainerId);

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
    const readings = moduleRef.get(ReportReadings);
    const before = await readings.byState();
    await aReport(at('2027-03-01T10:00:00Z'));
    const after = await readings.byState();
    expect(Object.keys(after).sort()).toEqual(
      ['acknowledged', 'accepted', 'duplicate', 'needs_information', 'new', 'rejected'].sort(),
    );
    expect(after.new).toBe(before.new + 1);
    // 2027-03-01 is a Monday: the acknowledgement is overdue from Friday 00:00 in Berlin.
    const baseline = await readings.overdue(at('2027-03-04T12:00:00Z'));
    expect(await readings.overdue(at('2027-03-05T12:00:00Z'))).toEqual({
      acknowledgement: baseline.acknowledgement + 1,
      fix: baseline.fix,
    });
  });

  /** Takes a finished test's report out of the later tests' counts, as rejecting it would. */
  async function close(report: Report): Promise<void> {
    await ds()
      .getRepository(Report)
      .update(report.id, { status: 'rejected', acknowledgedAt: new Date(), closedAt: new Date() });
  }
});
