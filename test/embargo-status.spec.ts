/**
 * Each member's status per embargo (issue 14), through the embargo lib's use case and query: only
 * an active member in the embargo's audience states one, bad input changes nothing, each statement
 * is audited with what it replaced, and the matrix shows who answered what and who has not.
 */
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { auditChainKey, verifyAuditChain } from '@cordon/audit';
import { ChangeAudience, ChangeEmbargo, EmbargoModule, SetMemberEmbargoStatus, StatusMatrix } from '@cordon/embargo';
import { ImportMember, MembershipModule, SetMemberProducts } from '@cordon/membership';
import { RelayAnswersModule } from '@cordon/relay';
import { coreModules, initialise, openRuntime, Runtime } from '@cordon/runtime';
import { freshDatabaseLocation } from './support/database';
import { anOpenpgpKey } from './support/keys';
import { testSettings } from './support/settings';

const MAINTAINER = '00000000-0000-4000-8000-000000000001';

@Module({})
class StatusTestModule {}

describe('member statuses per embargo', () => {
  let app: INestApplicationContext;
  let runtime: Runtime;
  let remove: () => Promise<void>;
  let ds: DataSource;
  let embargoId: string;
  const ids: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };

  beforeAll(async () => {
    const location = await freshDatabaseLocation();
    remove = location.remove;
    const settings = testSettings({ DATA_DIR: location.dataDir, DATABASE_URL: location.databaseUrl });
    runtime = await openRuntime(settings);
    await initialise(runtime);
    ds = runtime.database.dataSource;
    app = await NestFactory.createApplicationContext(
      // RelayAnswersModule: the relay answers for the held copies an acknowledgement releases.
      {
        module: StatusTestModule,
        imports: [...coreModules(runtime), MembershipModule, EmbargoModule, RelayAnswersModule],
      },
      { logger: false },
    );
    const products = { a: 'openssl', b: 'zlib', c: 'openssl' };
    for (const name of ['a', 'b', 'c'] as const) {
      const email = `security@distro-${name}.example`;
      const key = await anOpenpgpKey(email);
      const member = await app
        .get(ImportMember)
        .execute(
          { email, organisation: `Distro ${name.toUpperCase()}`, key: key.publicKey, acknowledged: true },
          'test',
        );
      ids[name] = member.id;
      await app.get(SetMemberProducts).execute(member.id, products[name], 'test');
    }
    const publicAt = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 16);
    const input = { title: 'Overflow in libfoo', publicAt, timeZone: 'UTC', products: 'openssl' };
    const embargo = await app
      .get(ChangeEmbargo)
      .create({ ...input, audienceMode: 'products', acceptNonWorkingDay: true } as typeof input, MAINTAINER);
    embargoId = embargo.id;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await remove?.();
  });

  const set = (...args: Parameters<SetMemberEmbargoStatus['execute']>) =>
    app.get(SetMemberEmbargoStatus).execute(...args);
  const rows = async () =>
    (await ds.query('SELECT member_id, status, fixed_version, via FROM embargo_member_status ORDER BY member_id')) as {
      member_id: string;
      status: string;
      fixed_version: string | null;
      via: string;
    }[];
  const audited = async () =>
    (await ds.query(
      `SELECT actor, details FROM audit_entry WHERE action = 'embargo.member_status_set' ORDER BY seq`,
    )) as {
      actor: string;
      details: Record<string, unknown>;
    }[];

  it('records a status of a member in the audience, replaces it when stated again, audits each with what it replaced', async () => {
    await set(embargoId, ids.a, { status: 'affected' }, 'self_service', `member:${ids.a}`);
    await set(embargoId, ids.a, { status: 'fixed', fixedVersion: ' 1.2.4-1ubuntu0.2 ' }, 'mail', `member:${ids.a}`);
    expect(await rows()).toEqual([
      { member_id: ids.a, status: 'fixed', fixed_version: '1.2.4-1ubuntu0.2', via: 'mail' },
    ]);
    const [first, second] = await audited();
    expect(first).toMatchObject({
      actor: `member:${ids.a}`,
      details: { status: 'affected', via: 'self_service', replaces: null },
    });
    expect(second.details).toMatchObject({
      embargo: expect.stringMatching(/^EMB-\d+$/),
      memberId: ids.a,
      status: 'fixed',
      fixedVersion: '1.2.4-1ubuntu0.2',
      replaces: { status: 'affected', fixedVersion: null, publishAt: null },
    });
  });

  it.each([
    ['a member outside the audience', () => set(embargoId, ids.b, { status: 'affected' }, 'mail', 'x'), 'FORBIDDEN'],
    ['no such embargo', () => set(MAINTAINER, ids.a, { status: 'affected' }, 'mail', 'x'), 'NOT_FOUND'],
    [
      'a version with markup',
      () => set(embargoId, ids.a, { status: 'fixed', fixedVersion: '<b>1.0</b>' }, 'mail', 'x'),
      'INVALID_INPUT',
    ],
    [
      'a version of words',
      () => set(embargoId, ids.a, { status: 'fixed', fixedVersion: 'the next one' }, 'api', 'x'),
      'INVALID_INPUT',
    ],
    [
      'no moment',
      () => set(embargoId, ids.a, { status: 'will_publish', publishAt: new Date(NaN) }, 'api', 'x'),
      'INVALID_INPUT',
    ],
    ['an unknown status', () => set(embargoId, ids.a, { status: 'pwned' as 'affected' }, 'api', 'x'), 'INVALID_INPUT'],
  ])('refuses %s, and changes nothing', async (_what, attempt, code) => {
    const before = [await rows(), (await audited()).length];
    await expect(attempt()).rejects.toMatchObject({ code });
    expect([await rows(), (await audited()).length]).toEqual(before);
  });

  it('shows the matrix: who stated what, who has not answered first, and one who left the audience', async () => {
    const publishAt = new Date(Date.now() + 86_400_000);
    const matrix = () => app.get(StatusMatrix).of(embargoId);
    let view = await matrix();
    expect(view).toMatchObject({ answered: 1, unanswered: 1 });
    expect(view.rows.map((r) => [r.organisation, r.status, r.inAudience])).toEqual([
      ['Distro C', null, true],
      ['Distro A', 'fixed', true],
    ]);
    await set(embargoId, ids.c, { status: 'will_publish', publishAt }, 'api', `maintainer:${MAINTAINER}`);
    await app.get(ChangeAudience).pick(embargoId, ids.a, 'exclude', MAINTAINER);
    view = await matrix();
    expect(view).toMatchObject({ answered: 1, unanswered: 0 });
    expect(view.rows.find((r) => r.memberId === ids.c)).toMatchObject({
      status: 'will_publish',
      publishAt: publishAt.toISOString(),
      publishesEarly: true,
      via: 'api',
    });
    expect(view.rows.find((r) => r.memberId === ids.a)).toMatchObject({ status: 'fixed', inAudience: false });
    // Out of the audience, a member can no longer change it.
    await expect(set(embargoId, ids.a, { status: 'affected' }, 'mail', 'x')).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('takes no status once the embargo has ended, and the audit chain holds', async () => {
    await app.get(ChangeEmbargo).lift(embargoId, MAINTAINER);
    await expect(set(embargoId, ids.c, { status: 'affected' }, 'mail', 'x')).rejects.toMatchObject({
      code: 'WRONG_STATE',
    });
    await expect(verifyAuditChain(ds, auditChainKey(runtime.secret))).resolves.toMatchObject({ ok: true });
  });
});
