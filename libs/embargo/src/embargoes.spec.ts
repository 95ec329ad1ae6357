import { AuditLog, verifyAuditChain } from '@cordon/audit';
import { DomainError } from '@cordon/errors';
import { testAuditKey } from '../../../test/support/audit';
import { openTestDatabase, TestDatabase } from '../../../test/support/database';
import { testSettings } from '../../../test/support/settings';
import { wiredHeldMail } from '../../../test/support/wired-policies';
import { businessDaysBetween, formatPublicMoment, publicMoment } from './embargo-clock';
import { Embargo } from './embargo.entity';
import { EmbargoInput, Embargoes } from './embargoes';

// Monday 2026-11-23, 09:00 in Berlin.
const NOW = new Date('2026-11-23T08:00:00Z');

describe('the embargo clock', () => {
  it('reads the agreed local time in its time zone, summer and winter', () => {
    expect(publicMoment('2026-12-08T14:00', 'Europe/Berlin').toISOString()).toBe('2026-12-08T13:00:00.000Z');
    expect(publicMoment('2027-07-01T14:00', 'Europe/Berlin').toISOString()).toBe('2027-07-01T12:00:00.000Z');
    expect(publicMoment('2026-12-08T14:00', 'UTC').toISOString()).toBe('2026-12-08T14:00:00.000Z');
    expect(formatPublicMoment(new Date('2026-12-08T13:00:00Z'), 'Europe/Berlin')).toBe(
      '2026-12-08 14:00 Europe/Berlin (13:00 UTC)',
    );
    expect(formatPublicMoment(new Date('2026-12-08T13:00:00Z'), 'UTC')).toBe('2026-12-08 13:00 UTC');
  });

  it.each([
    ['2026-12-08T14:00', 'Mars/Olympus', 'timeZone'],
    ['2026-12-08', 'UTC', 'publicAt'],
    ['2026-13-08T14:00', 'UTC', 'publicAt'],
    ['next tuesday', 'UTC', 'publicAt'],
  ])('refuses %j in %j, naming the field', (local, zone, field) => {
    expect(() => publicMoment(local, zone)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field }));
  });

  it('counts Monday to Friday, by the calendar of the embargo’s time zone', () => {
    expect(businessDaysBetween(NOW, new Date('2026-11-30T08:00:00Z'), 'Europe/Berlin')).toBe(5); // Mon → Mon
    expect(businessDaysBetween(NOW, new Date('2026-11-28T12:00:00Z'), 'Europe/Berlin')).toBe(4); // → Sat
    expect(businessDaysBetween(NOW, new Date('2026-11-23T20:00:00Z'), 'Europe/Berlin')).toBe(0); // same day
    // Friday 23:30 in New York is already Saturday in Tokyo.
    const fridayNight = new Date('2026-11-28T04:30:00Z');
    expect(businessDaysBetween(NOW, fridayNight, 'America/New_York')).toBe(4);
    expect(businessDaysBetween(NOW, fridayNight, 'Asia/Tokyo')).toBe(4);
    expect(businessDaysBetween(new Date('2026-11-27T20:00:00Z'), fridayNight, 'Asia/Tokyo')).toBe(0); // Sat → Sat
  });
  it('counts by arithmetic, agreeing with a day-by-day count, and at once for a date years away', () => {
    const walk = (from: Date, days: number) => {
      let count = 0;
      for (let i = 1; i <= days; i++)
        if (![0, 6].includes(new Date(from.getTime() + i * 86_400_000).getUTCDay())) count++;
      return count;
    };
    for (let start = 0; start < 7; start++) {
      const from = new Date(Date.UTC(2026, 10, 23 + start, 9));
      for (let days = 0; days <= 30; days++) {
        expect(businessDaysBetween(from, new Date(from.getTime() + days * 86_400_000), 'UTC')).toBe(walk(from, days));
      }
    }
    // Across the switch to summer time in Berlin: still calendar days.
    expect(
      businessDaysBetween(new Date('2027-03-26T10:00:00Z'), new Date('2027-03-29T10:00:00Z'), 'Europe/Berlin'),
    ).toBe(1);
    expect(businessDaysBetween(NOW, publicMoment('9999-12-31T23:59', 'UTC'), 'UTC')).toBe(2_080_084); // Python's datetime agrees;
  });
});

describe('Embargoes', () => {
  let db: TestDatabase;
  let embargoes: Embargoes;
  const audit = new AuditLog(testAuditKey);
  const actor = 'maintainer:00000000-0000-4000-8000-000000000001';
  const input: EmbargoInput = {
    title: 'Heap overflow in libwidget’s header parser',
    cveIds: [' cve-2026-12345 ', 'CVE-2026-12346'],
    cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    affectedVersions: '< 2.4.1',
    fixedVersions: '2.4.1',
    reporterCredit: 'Ada Example',
    publicAt: '2026-12-08T14:00',
    timeZone: 'Europe/Berlin',
  };

  beforeEach(async () => {
    db = await openTestDatabase();
    embargoes = new Embargoes(audit, testSettings({ DATA_DIR: db.dataDir }), wiredHeldMail(audit));
  });
  afterEach(() => db.drop());

  const tx = <T>(work: (m: import('typeorm').EntityManager) => Promise<T>) => db.database.dataSource.transaction(work);
  const create = (overrides: Partial<EmbargoInput> = {}) =>
    tx((m) => embargoes.create(m, { ...input, ...overrides }, actor, NOW));
  const audited = async (action: string) =>
    (await db.database.dataSource.query(`SELECT details FROM audit_entry WHERE action = $1 ORDER BY seq`, [
      action,
    ])) as { details: Record<string, unknown> }[];
  const refusal = async (work: Promise<unknown>) => {
    const error = await work.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  };

  it('creates an embargo with its facts, scored CVSS, agreed moment and a number for subject tags', async () => {
    const embargo = await create();
    const [stored] = await db.database.dataSource.getRepository(Embargo).find();
    expect(stored).toMatchObject({
      id: embargo.id,
      number: embargo.number,
      title: input.title,
      cveIds: ['CVE-2026-12345', 'CVE-2026-12346'],
      cvssVector: input.cvssVector,
      cvssScore: 9.8,
      cvssSeverity: 'Critical',
      publicAt: new Date('2026-12-08T13:00:00Z'),
      timeZone: 'Europe/Berlin',
      overLimitReason: null,
      status: 'active',
      createdBy: actor,
    });
    expect(embargo.number).toBeGreaterThan(0);
    expect((await create({ title: 'Second' })).number).toBe(embargo.number + 1);
    const [entry] = await audited('embargo.created');
    expect(entry.details).toMatchObject({ number: embargo.number, publicAt: '2026-12-08T13:00:00.000Z' });
    await expect(verifyAuditChain(db.database.dataSource, testAuditKey)).resolves.toMatchObject({ ok: true });
  });

  it.each([
    ['a blank title', { title: '  ' }, 'title'],
    ['a malformed CVE ID', { cveIds: ['CVE-26-1'] }, 'cveIds'],
    ['a CVSS vector without its base metrics', { cvssVector: 'CVSS:3.1/AV:N' }, 'cvssVector'],
    ['a public date in the past', { publicAt: '2026-11-20T10:00' }, 'publicAt'],
    ['an unknown time zone', { timeZone: 'Nowhere/Special' }, 'timeZone'],
    ['a control character', { reporterCredit: 'x\u0000y' }, 'reporterCredit'],
    ['a title of 201 characters', { title: 't'.repeat(201) }, 'title'],
  ])('refuses %s, naming the field, and writes nothing', async (_what, bad, field) => {
    const error = await refusal(create(bad as Partial<EmbargoInput>));
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field });
    expect(await db.database.dataSource.getRepository(Embargo).count()).toBe(0);
    expect(await audited('embargo.created')).toEqual([]);
  });

  it('needs a recorded reason past MAX_EMBARGO_BUSINESS_DAYS, and keeps it', async () => {
    // Monday 23 November to Monday 14 December: 15 business days.
    const error = await refusal(create({ publicAt: '2026-12-14T10:00' }));
    expect(error).toMatchObject({ field: 'overLimitReason', message: expect.stringMatching(/15 business days.*14/) });
    const fourteen = await create({ publicAt: '2026-12-11T10:00' });
    expect(fourteen.overLimitReason).toBeNull();
    const long = await create({ publicAt: '2026-12-14T10:00', overLimitReason: 'Upstream release freeze until then.' });
    expect(long.overLimitReason).toBe('Upstream release freeze until then.');
  });

  it('extends to a later moment with a reason, and refuses an earlier one or no reason', async () => {
    const embargo = await create();
    const reason = 'Two distributions need another week to test the fix.';
    expect(
      await refusal(
        tx((m) =>
          embargoes.extend(m, embargo.id, { publicAt: '2026-12-01T10:00', timeZone: 'UTC', reason }, actor, NOW),
        ),
      ),
    ).toMatchObject({
      field: 'publicAt',
      message: expect.stringMatching(/later than 2026-12-08 14:00 Europe\/Berlin/),
    });
    expect(
      await refusal(
        tx((m) =>
          embargoes.extend(m, embargo.id, { publicAt: '2026-12-10T10:00', timeZone: 'UTC', reason: 'why' }, actor, NOW),
        ),
      ),
    ).toMatchObject({ field: 'reason' });
    const { embargo: extended, previous } = await tx((m) =>
      embargoes.extend(m, embargo.id, { publicAt: '2026-12-15T14:00', timeZone: 'Europe/Berlin', reason }, actor, NOW),
    );
    expect(previous).toEqual(new Date('2026-12-08T13:00:00Z'));
    expect(extended.publicAt).toEqual(new Date('2026-12-15T13:00:00Z'));
    // Past the limit from the day it was created: the extension's reason is the recorded one.
    expect(extended.overLimitReason).toBe(reason);
    expect((await audited('embargo.extended'))[0].details).toEqual({
      from: '2026-12-08T13:00:00.000Z',
      to: '2026-12-15T13:00:00.000Z',
      timeZone: 'Europe/Berlin',
      reason,
    });
  });

  it('lifts or breaks an active embargo once, and then changes it no more', async () => {
    const lifted = await create();
    expect((await tx((m) => embargoes.lift(m, lifted.id, actor, NOW))).status).toBe('lifted');
    expect(await refusal(tx((m) => embargoes.lift(m, lifted.id, actor, NOW)))).toMatchObject({ code: 'WRONG_STATE' });
    const reason = 'A week to test the fix.';
    expect(
      await refusal(
        tx((m) =>
          embargoes.extend(m, lifted.id, { publicAt: '2026-12-10T10:00', timeZone: 'UTC', reason }, actor, NOW),
        ),
      ),
    ).toMatchObject({ code: 'WRONG_STATE' });

    const broken = await create({ title: 'Leaked' });
    expect(await refusal(tx((m) => embargoes.markBroken(m, broken.id, 'leak', actor, NOW)))).toMatchObject({
      field: 'reason',
    });
    const ended = await tx((m) =>
      embargoes.markBroken(m, broken.id, 'Posted to a public tracker by mistake.', actor, NOW),
    );
    expect(ended).toMatchObject({ status: 'broken', endedAt: NOW });
    expect((await audited('embargo.broken'))[0].details).toMatchObject({
      reason: 'Posted to a public tracker by mistake.',
    });
    expect(await refusal(tx((m) => embargoes.lift(m, 'not-a-uuid', actor, NOW)))).toMatchObject({ code: 'NOT_FOUND' });
  });
});
