import { randomBytes } from 'node:crypto';
import { AuditLog, verifyAuditChain } from '@cordon/audit';
import { ServerSecret } from '@cordon/crypto';
import { testAuditKey } from '../../../../test/support/audit';
import { openTestDatabase, TestDatabase } from '../../../../test/support/database';
import { testSettings } from '../../../../test/support/settings';
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
