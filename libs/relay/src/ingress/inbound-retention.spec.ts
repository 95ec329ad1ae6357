import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditLog, verifyAuditChain } from '@cordon/audit';
import { ServerSecret } from '@cordon/crypto';
import { Embargoes } from '@cordon/embargo';
import { testAuditKey } from '../../../../test/support/audit';
import { freshDatabaseLocation, openTestDatabase, TestDatabase } from '../../../../test/support/database';
import { withDomain } from '../../../../test/support/domain-context';
import { aMaintainer } from '../../../../test/support/factories';
import { anOpenpgpKey } from '../../../../test/support/keys';
import { testSettings } from '../../../../test/support/settings';
import { wiredHeldMail } from '../../../../test/support/wired-policies';
import { Post } from '../fan-out';
import { InboundQueue } from './inbound-queue';
import { InboundRetention } from './inbound-retention';
import { InboundStore } from './inbound-store';

describe('erasing finished inbound messages after INBOUND_RETENTION_DAYS', () => {
  let db: TestDatabase;
  let store: InboundStore;
  let queue: InboundQueue;
  const audit = new AuditLog(testAuditKey);
  const retention = (days: string) =>
    new InboundRetention(
      db.database.dataSource,
      audit,
      testSettings({ DATA_DIR: db.dataDir, INBOUND_RETENTION_DAYS: days }),
    );
  const query = <T>(sql: string, params: unknown[] = []) => db.database.dataSource.query(sql, params) as Promise<T[]>;

  beforeEach(async () => {
    db = await openTestDatabase();
    store = new InboundStore(db.database.dataSource, audit, ServerSecret.fromBytes(randomBytes(32)));
    queue = new InboundQueue(db.database.dataSource);
  });
  afterEach(() => db.drop());

  /** A message stored and finished with `status`, `daysAgo` days ago. */
  async function finished(status: 'processed' | 'refused', daysAgo: number, kind: 'list' | 'report' = 'list') {
    const id = await store.accept({
      mailFrom: 'someone@project.example',
      rcptTo: [kind === 'list' ? 'distributors@example.org' : 'distributors-report@example.org'],
      remoteAddress: '192.0.2.7',
      raw: Buffer.from(`Subject: plaintext by mistake\r\n\r\nembargoed details ${status} ${daysAgo}\r\n`),
      kind,
    });
    const [claimed] = await queue.claim(1);
    await db.database.dataSource.transaction((m) =>
      queue.finish(m, claimed, { status, refusalCode: status === 'refused' ? 'NOT_ENCRYPTED' : undefined }),
    );
    await query(`UPDATE inbound_message SET processed_at = now() - make_interval(days => $2) WHERE id = $1`, [
      id,
      daysAgo,
    ]);
    return id;
  }

  it('empties the bytes of messages finished longer ago, keeps the rest, and records it', async () => {
    const oldRefused = await finished('refused', 15);
    const oldProcessed = await finished('processed', 20);
    const recent = await finished('processed', 13);
    const waiting = await store.accept({
      mailFrom: '',
      rcptTo: ['distributors@example.org'],
      remoteAddress: null,
      raw: Buffer.from('Subject: not yet\r\n\r\nwaiting\r\n'),
      kind: 'list',
    });
    await query(`UPDATE inbound_message SET received_at = now() - interval '30 days' WHERE id = $1`, [waiting]);

    expect(await retention('14').runOnce()).toBe(2);
    const rows = await query<{ id: string; raw: Uint8Array; size: number; raw_erased_at: Date | null }>(
      `SELECT id, raw, size, raw_erased_at FROM inbound_message`,
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const id of [oldRefused, oldProcessed]) {
      expect(byId.get(id)!.raw).toHaveLength(0);
      expect(byId.get(id)!.raw_erased_at).not.toBeNull();
      expect(byId.get(id)!.size).toBeGreaterThan(0); // the envelope facts stay
    }
    for (const id of [recent, waiting]) {
      expect(Buffer.from(byId.get(id)!.raw).toString()).toMatch(/^Subject: /);
      expect(byId.get(id)!.raw_erased_at).toBeNull();
    }
    const [entry] = await query<{ details: { messages: string[]; retentionDays: number } }>(
      `SELECT details FROM audit_entry WHERE action = 'inbound.erased'`,
    );
    expect(entry.details.retentionDays).toBe(14);
    expect(entry.details.messages.sort()).toEqual([oldRefused, oldProcessed].sort());
    await expect(verifyAuditChain(db.database.dataSource, testAuditKey)).resolves.toMatchObject({ ok: true });

    // Nothing more to do: no second entry.
    expect(await retention('14').runOnce()).toBe(0);
    expect(await query(`SELECT 1 FROM audit_entry WHERE action = 'inbound.erased'`)).toHaveLength(1);
  });

  it('empties a vulnerability report stored sealed like any other message', async () => {
    const old = await finished('processed', 20, 'report');
    const recent = await finished('refused', 1, 'report');
    expect(await retention('14').runOnce()).toBe(1);
    const rows = await query<{ id: string; raw: Uint8Array; size: number }>(
      `SELECT id, raw, size FROM inbound_message`,
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get(old)!.raw).toHaveLength(0);
    expect(byId.get(old)!.size).toBeGreaterThan(0);
    expect(Buffer.from(byId.get(recent)!.raw).toString('latin1')).not.toMatch(/embargoed|Subject/);
  });

  it('keeps everything when INBOUND_RETENTION_DAYS is 0', async () => {
    await finished('refused', 400);
    expect(await retention('0').runOnce()).toBe(0);
    const [row] = await query<{ raw: Uint8Array }>(`SELECT raw FROM inbound_message`);
    expect(row.raw.length).toBeGreaterThan(0);
  });

  it('refuses a negative or fractional number of days at start-up', () => {
    expect(() => testSettings({ DATA_DIR: db.dataDir, INBOUND_RETENTION_DAYS: '-1' })).toThrow(
      /INBOUND_RETENTION_DAYS/,
    );
    expect(() => testSettings({ DATA_DIR: db.dataDir, INBOUND_RETENTION_DAYS: '1.5' })).toThrow(
      /INBOUND_RETENTION_DAYS/,
    );
  });
});

/**
 * README, "Catch-up": the stored message of a post of an embargo that still runs is kept whatever
 * INBOUND_RETENTION_DAYS says (a catch-up copy is made from it), and erased on the usual schedule
 * once the embargo has ended. On the real libs: a maintainer added as the CLI adds one, an embargo
 * recorded and lifted by the embargo lib, the post stored as the relay stores it.
 */
describe('keeping the messages of a running embargo', () => {
  it('keeps a post of a running embargo past INBOUND_RETENTION_DAYS, and erases it once the embargo ends', async () => {
    const location = await freshDatabaseLocation();
    const env = {
      DATA_DIR: location.dataDir,
      ...(location.databaseUrl ? { DATABASE_URL: location.databaseUrl } : {}),
      LIST_ADDRESS: 'distributors@example.org',
    };
    try {
      await withDomain(env, async (app) => {
        const dataSource = app.get(DataSource);
        const audit = app.get(AuditLog);
        const settings = testSettings({ DATA_DIR: location.dataDir, INBOUND_RETENTION_DAYS: '14' });
        const key = await anOpenpgpKey('lead@project.example');
        const { maintainerId } = await aMaintainer(app, { email: 'lead@project.example', key: key.publicKey });
        const embargoes = new Embargoes(audit, settings, wiredHeldMail(audit));
        const publicAt = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 16);
        const embargo = await dataSource.transaction((m) =>
          embargoes.create(
            m,
            { title: 'Overflow', cveIds: [], publicAt, timeZone: 'UTC', acceptNonWorkingDay: true },
            `maintainer:${maintainerId}`,
          ),
        );
        const store = new InboundStore(dataSource, audit, ServerSecret.fromBytes(randomBytes(32)));
        const queue = new InboundQueue(dataSource);
        const relayed = async (embargoId: string | null) => {
          const id = await store.accept({
            mailFrom: 'lead@project.example',
            rcptTo: ['distributors@example.org'],
            remoteAddress: '192.0.2.7',
            raw: Buffer.from(`Subject: ...\r\n\r\n(encrypted to the list key) ${randomUUID()}\r\n`),
            kind: 'list',
          });
          const [claimed] = await queue.claim(1);
          await dataSource.transaction(async (manager) => {
            await manager.insert(Post, {
              id: randomUUID(),
              inboundMessageId: id,
              maintainerId,
              signatureDigest: randomBytes(32).toString('hex'),
              signedAt: new Date(),
              embargoId,
              subjectSealed: null,
              bodyPackets: Buffer.from([1]),
              createdAt: new Date(),
            });
            await queue.finish(manager, claimed, { status: 'processed' });
          });
          return id;
        };
        const ofEmbargo = await relayed(embargo.id);
        const untagged = await relayed(null);
        const erased = async () =>
          (
            (await dataSource.query(`SELECT id FROM inbound_message WHERE raw_erased_at IS NOT NULL`)) as {
              id: string;
            }[]
          ).map((row) => row.id);
        const retention = new InboundRetention(dataSource, audit, settings);
        const monthLater = new Date(Date.now() + 30 * 86_400_000);

        expect(await retention.runOnce(monthLater)).toBe(1);
        expect(await erased()).toEqual([untagged]);

        await dataSource.transaction((m) => embargoes.lift(m, embargo.id, `maintainer:${maintainerId}`));
        expect(await retention.runOnce()).toBe(0); // finished today: not due by INBOUND_RETENTION_DAYS
        expect(await retention.runOnce(monthLater)).toBe(1);
        expect((await erased()).sort()).toEqual([untagged, ofEmbargo].sort());
      });
    } finally {
      await location.remove();
    }
  }, 120_000);
});
