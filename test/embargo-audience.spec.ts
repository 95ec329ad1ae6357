/**
 * An embargo's audience through the libs that own it (issue 14, "An audience per embargo"): a
 * member states its products (SetMemberProducts), maintainers name an embargo's affected products,
 * its mode and their picks (ChangeAudience), and EmbargoAudiences shows who is in it and why, and
 * hands every sender the circumstances the one eligibility rule reads. Each change is audited.
 */
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { auditChainKey, verifyAuditChain } from '@cordon/audit';
import {
  ChangeAudience,
  ChangeEmbargo,
  Embargo,
  EmbargoAudiences,
  EmbargoModule,
  RecipientSelector,
} from '@cordon/embargo';
import {
  ChangeMemberStatus,
  ImportMember,
  MembershipModule,
  normaliseProducts,
  SetMemberProducts,
} from '@cordon/membership';
import { RelayAnswersModule } from '@cordon/relay';
import { coreModules, initialise, openRuntime, Runtime } from '@cordon/runtime';
import { freshDatabaseLocation } from './support/database';
import { anOpenpgpKey } from './support/keys';
import { testSettings } from './support/settings';

const MAINTAINER = '00000000-0000-4000-8000-000000000001';

@Module({})
class AudienceTestModule {}

describe('normaliseProducts', () => {
  it('splits on commas and lines, trims, lowercases, drops duplicates and sorts', () => {
    expect(normaliseProducts(' OpenSSL, libfoo\r\nzlib\n\nopenssl ')).toEqual(['libfoo', 'openssl', 'zlib']);
    expect(normaliseProducts(['pkg:deb/openssl', 'Python3.12', 'libfoo, libbar'])).toEqual([
      'libbar',
      'libfoo',
      'pkg:deb/openssl',
      'python3.12',
    ]);
    expect(normaliseProducts('')).toEqual([]);
  });

  it.each([['open ssl'], ['-leading-dash'], ['<script>'], ['x'.repeat(101)]])('refuses %j, naming the field', (bad) => {
    expect(() => normaliseProducts(bad)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'products' }));
  });

  it('refuses more than 200 products', () => {
    const many = Array.from({ length: 201 }, (_, i) => `p${i}`);
    expect(() => normaliseProducts(many)).toThrow(expect.objectContaining({ field: 'products' }));
    expect(normaliseProducts(many.slice(1))).toHaveLength(200);
  });
});

describe('an embargo audience, through its use cases', () => {
  let app: INestApplicationContext;
  let runtime: Runtime;
  let remove: () => Promise<void>;
  let ds: DataSource;
  const ids: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };

  beforeAll(async () => {
    const location = await freshDatabaseLocation();
    remove = location.remove;
    // The list's default: a new embargo reaches the members shipping one of its products.
    const settings = testSettings({
      DATA_DIR: location.dataDir,
      DATABASE_URL: location.databaseUrl,
      EMBARGO_AUDIENCE: 'products',
    });
    runtime = await openRuntime(settings);
    await initialise(runtime);
    ds = runtime.database.dataSource;
    // RelayAnswersModule: the relay answers for the held copies an acknowledgement releases.
    app = await NestFactory.createApplicationContext(
      {
        module: AudienceTestModule,
        imports: [...coreModules(runtime), MembershipModule, EmbargoModule, RelayAnswersModule],
      },
      { logger: false },
    );
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
    }
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await remove?.();
  });

  const audited = async (action: string) =>
    (await ds.query('SELECT actor, subject, details FROM audit_entry WHERE action = $1 ORDER BY seq', [action])) as {
      actor: string;
      subject: string;
      details: Record<string, unknown>;
    }[];
  const createEmbargo = (products: string, audienceMode?: 'all' | 'products') => {
    const publicAt = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 16);
    // A variable, not a literal: the fields other parts add (acceptNonWorkingDay) need not exist here.
    const input = { title: 'Overflow in libfoo', publicAt, timeZone: 'UTC', products, audienceMode };
    return app.get(ChangeEmbargo).create({ ...input, acceptNonWorkingDay: true } as typeof input, MAINTAINER);
  };

  it('a member states its products, audited with both lists; an ended membership cannot', async () => {
    const set = app.get(SetMemberProducts);
    expect(await set.execute(ids.a, 'OpenSSL\nlibfoo', `member:${ids.a}`)).toEqual(['libfoo', 'openssl']);
    expect(await set.execute(ids.b, ['zlib'], `maintainer:${MAINTAINER}`)).toEqual(['zlib']);
    const [first] = await audited('member.products_changed');
    expect(first).toMatchObject({
      actor: `member:${ids.a}`,
      subject: `member:${ids.a}`,
      details: { before: [], after: ['libfoo', 'openssl'] },
    });
    // The same list again changes nothing, and audits nothing.
    await set.execute(ids.a, 'libfoo, openssl', `member:${ids.a}`);
    expect(await audited('member.products_changed')).toHaveLength(2);
    // Bad input changes nothing.
    await expect(set.execute(ids.a, 'no spaces please', `member:${ids.a}`)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await app.get(ChangeMemberStatus).execute(ids.c, 'remove', 'it left the distribution business', MAINTAINER);
    await expect(set.execute(ids.c, 'openssl', `maintainer:${MAINTAINER}`)).rejects.toMatchObject({
      code: 'WRONG_STATE',
    });
    const rows = (await ds.query('SELECT id, products FROM member WHERE id = ANY($1::uuid[])', [[ids.a, ids.c]])) as {
      id: string;
      products: string[];
    }[];
    expect(Object.fromEntries(rows.map((row) => [row.id, row.products]))).toEqual({
      [ids.a]: ['libfoo', 'openssl'],
      [ids.c]: [],
    });
  });

  it("shows who an embargo reaches and why; maintainers' changes move members in and out, audited", async () => {
    const embargo = await createEmbargo('openssl');
    // EMBARGO_AUDIENCE=products: a new embargo takes the list's default.
    expect(embargo).toMatchObject({ audienceMode: 'products', products: ['openssl'] });
    const audiences = app.get(EmbargoAudiences);
    const view = () => ds.transaction((m) => audiences.members(m, embargo.id));
    const whyOf = async () =>
      Object.fromEntries((await view()).members.map((member) => [member.memberId, [member.why, member.inAudience]]));

    const first = await view();
    expect(first).toMatchObject({ mode: 'products', products: ['openssl'] });
    // The removed member is not on the list, so not shown.
    expect(first.members.map((member) => member.memberId).sort()).toEqual([ids.a, ids.b].sort());
    expect(first.members.find((member) => member.memberId === ids.a)).toMatchObject({
      organisation: 'Distro A',
      email: 'security@distro-a.example',
      products: ['libfoo', 'openssl'],
      inAudience: true,
      why: 'product',
      eligible: true,
      reason: null,
    });
    expect(first.members.find((member) => member.memberId === ids.b)).toMatchObject({
      inAudience: false,
      why: 'no_product',
      eligible: false,
      reason: "is not in the embargo's audience",
    });

    const change = app.get(ChangeAudience);
    await change.pick(embargo.id, ids.b, 'include', MAINTAINER);
    await change.pick(embargo.id, ids.a, 'exclude', MAINTAINER);
    expect(await whyOf()).toEqual({ [ids.a]: ['excluded', false], [ids.b]: ['included', true] });
    await change.pick(embargo.id, ids.a, 'none', MAINTAINER);
    await change.setProducts(embargo.id, 'zlib', MAINTAINER);
    expect(await whyOf()).toEqual({ [ids.a]: ['no_product', false], [ids.b]: ['included', true] });
    await change.setMode(embargo.id, 'all', MAINTAINER);
    expect(await whyOf()).toEqual({ [ids.a]: ['everyone', true], [ids.b]: ['included', true] });

    // The circumstances every sender hands the one rule, and the fan-out's selection by them.
    const circumstances = await ds.transaction((m) => audiences.circumstances(m, [embargo.id, MAINTAINER]));
    expect([...circumstances.keys()]).toEqual([embargo.id]);
    expect(circumstances.get(embargo.id)).toEqual({
      ended: false,
      audience: { everyone: true, products: ['zlib'], include: [ids.b], exclude: [] },
    });
    await change.setMode(embargo.id, 'products', MAINTAINER);
    await change.pick(embargo.id, ids.b, 'exclude', MAINTAINER);
    const selection = await ds.transaction(async (m) =>
      app.get(RecipientSelector).select(m, new Date(), await audiences.of(m, embargo.id)),
    );
    expect(selection.recipients).toEqual([]);
    expect(selection.skipped.map((s) => [s.memberId, s.reason]).sort()).toEqual(
      [
        [ids.a, 'not_in_audience'],
        [ids.b, 'not_in_audience'],
      ].sort(),
    );

    const entries = await audited('embargo.audience_changed');
    expect(entries.map((entry) => entry.details)).toEqual([
      { pick: { memberId: ids.b, before: 'none', after: 'include' } },
      { pick: { memberId: ids.a, before: 'none', after: 'exclude' } },
      { pick: { memberId: ids.a, before: 'exclude', after: 'none' } },
      { products: { before: ['openssl'], after: ['zlib'] } },
      { mode: { before: 'products', after: 'all' } },
      { mode: { before: 'all', after: 'products' } },
      { pick: { memberId: ids.b, before: 'include', after: 'exclude' } },
    ]);
    expect(entries.every((entry) => entry.actor === `maintainer:${MAINTAINER}`)).toBe(true);
    await expect(verifyAuditChain(ds, auditChainKey(runtime.secret))).resolves.toMatchObject({ ok: true });
  });

  it('refuses a change to an ended embargo, an unknown member or mode, and changes nothing', async () => {
    const embargo = await createEmbargo('openssl', 'all');
    expect(embargo.audienceMode).toBe('all');
    const change = app.get(ChangeAudience);
    await expect(change.pick(embargo.id, ids.c, 'include', MAINTAINER)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(change.setMode(embargo.id, 'some' as 'all', MAINTAINER)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'audienceMode',
    });
    await expect(change.setProducts(embargo.id, 'bad product', MAINTAINER)).rejects.toMatchObject({
      field: 'products',
    });
    await app.get(ChangeEmbargo).lift(embargo.id, MAINTAINER);
    await expect(change.setProducts(embargo.id, 'zlib', MAINTAINER)).rejects.toMatchObject({ code: 'WRONG_STATE' });
    const [row] = await ds.getRepository(Embargo).findBy({ id: embargo.id });
    expect(row).toMatchObject({ audienceMode: 'all', products: ['openssl'] });
    const circumstances = await ds.transaction((m) => app.get(EmbargoAudiences).of(m, embargo.id));
    expect(circumstances.ended).toBe(true);
  });
});
