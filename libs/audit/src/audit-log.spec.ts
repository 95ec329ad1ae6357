import { openTestDatabase, TestDatabase } from '../../../test/support/database';
import { AuditLog } from './audit-log';
import { verifyAuditChain } from './verify-audit-chain';

describe('the audit chain', () => {
  let db: TestDatabase;
  const log = new AuditLog();

  beforeEach(async () => {
    db = await openTestDatabase();
    const ds = db.database.dataSource;
    for (let i = 1; i <= 5; i++) {
      await ds.transaction((m) =>
        log.append(m, { actor: 'cli', action: 'test.event', subject: `thing:${i}`, details: { i } }),
      );
    }
  });
  afterEach(() => db.drop());

  it('verifies an untouched chain', async () => {
    await expect(verifyAuditChain(db.database.dataSource)).resolves.toMatchObject({ ok: true, entries: 5 });
  });

  it('refuses to append outside a transaction', async () => {
    await expect(
      log.append(db.database.dataSource.manager, { actor: 'cli', action: 'x', subject: 'y' }),
    ).rejects.toThrow(/inside the transaction/);
  });

  it('names an edited entry', async () => {
    await db.database.dataSource.query(`UPDATE audit_entry SET details = '{"i": 99}' WHERE seq = 3`);
    await expect(verifyAuditChain(db.database.dataSource)).resolves.toMatchObject({ ok: false, firstBadSeq: '3' });
  });

  it('names a deleted entry', async () => {
    await db.database.dataSource.query(`DELETE FROM audit_entry WHERE seq = 2`);
    await expect(verifyAuditChain(db.database.dataSource)).resolves.toMatchObject({ ok: false, firstBadSeq: '2' });
  });

  it('finds the newest entry deleted', async () => {
    await db.database.dataSource.query(`DELETE FROM audit_entry WHERE seq = 5`);
    await expect(verifyAuditChain(db.database.dataSource)).resolves.toMatchObject({ ok: false, firstBadSeq: '5' });
  });

  it('finds two entries swapped', async () => {
    const ds = db.database.dataSource;
    await ds.query(`UPDATE audit_entry SET seq = -1 WHERE seq = 2`);
    await ds.query(`UPDATE audit_entry SET seq = 2 WHERE seq = 3`);
    await ds.query(`UPDATE audit_entry SET seq = 3 WHERE seq = -1`);
    await expect(verifyAuditChain(ds)).resolves.toMatchObject({ ok: false, firstBadSeq: '2' });
  });

  it('keeps one linear chain under concurrent appends', async () => {
    const ds = db.database.dataSource;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        ds.transaction((m) => log.append(m, { actor: 'cli', action: 'race', subject: `r:${i}` })),
      ),
    );
    await expect(verifyAuditChain(ds)).resolves.toMatchObject({ ok: true, entries: 15 });
  });
});
