import { DataSource } from 'typeorm';
import { testAuditKey } from '../../../test/support/audit';
import { openTestDatabase, TestDatabase } from '../../../test/support/database';
import { AuditEntry } from './audit-entry.entity';
import { AuditLog, CHAIN_KEYED_ACTION } from './audit-log';
import { GENESIS_HASH, legacyChainHash } from './chain';
import { CheckpointClaim, verifyAuditChain } from './verify-audit-chain';

/**
 * What an attacker does who can write the database but has not the server secret: re-hash the
 * entries from `fromSeq` to `toSeq` with the only hash it can compute (plain SHA-256, the chain's
 * old format), relink them and the entry after them, and move the head.
 */
async function rehashWithoutKey(ds: DataSource, fromSeq = 1n, toSeq?: bigint): Promise<void> {
  const entries = await ds.getRepository(AuditEntry).find({ order: { seq: 'ASC' } });
  let prev = GENESIS_HASH;
  for (const entry of entries) {
    const seq = BigInt(entry.seq);
    if (seq >= fromSeq && (toSeq === undefined || seq <= toSeq)) {
      entry.hash = legacyChainHash(prev, entry);
      await ds.query('UPDATE audit_entry SET prev_hash = $2, hash = $3 WHERE seq = $1', [entry.seq, prev, entry.hash]);
    } else if (seq === (toSeq ?? -1n) + 1n) {
      await ds.query('UPDATE audit_entry SET prev_hash = $2 WHERE seq = $1', [entry.seq, prev]);
    }
    prev = entry.hash;
  }
  const [head] = (await ds.query('SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1')) as {
    seq: string;
    hash: string;
  }[];
  await ds.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [head.seq, head.hash]);
}

describe('the audit chain', () => {
  let db: TestDatabase;
  let ds: DataSource;
  const log = new AuditLog(testAuditKey);

  const append = (i: number | string) =>
    ds.transaction((m) => log.append(m, { actor: 'cli', action: 'test.event', subject: `thing:${i}`, details: { i } }));
  /** What a checkpoint made now would claim. */
  const head = async (): Promise<CheckpointClaim> => {
    const { entries, hash } = await ds.transaction((m) => log.head(m));
    return { entries, head: hash };
  };
  /** Every row of both tables: verifying must leave them exactly as they were. */
  const state = async () => ({
    entries: (await ds.query('SELECT * FROM audit_entry ORDER BY seq')) as unknown[],
    head: (await ds.query('SELECT * FROM audit_head')) as unknown[],
  });
  /** Verifies, and checks that verifying changed nothing. */
  const verify = async (checkpoint?: CheckpointClaim) => {
    const before = await state();
    const verdict = await verifyAuditChain(ds, testAuditKey, checkpoint);
    expect(await state()).toEqual(before);
    return verdict;
  };
  /** The log goes on taking entries after a refusal: the service keeps serving everyone else. */
  const stillServing = async () => {
    const entry = await append('after');
    expect(entry.seq).toMatch(/^\d+$/);
  };

  beforeEach(async () => {
    db = await openTestDatabase();
    ds = db.database.dataSource;
    for (let i = 1; i <= 5; i++) await append(i);
  });
  afterEach(() => db.drop());

  it('verifies an untouched chain', async () => {
    const { head: headHash } = await head();
    await expect(verify()).resolves.toEqual({ ok: true, entries: 5, headHash, legacyEntries: 0 });
  });

  it('refuses to append outside a transaction', async () => {
    await expect(log.append(ds.manager, { actor: 'cli', action: 'x', subject: 'y' })).rejects.toThrow(
      /inside the transaction/,
    );
  });

  it('names an edited entry', async () => {
    await ds.query(`UPDATE audit_entry SET details = '{"i": 99}' WHERE seq = 3`);
    await expect(verify()).resolves.toMatchObject({ ok: false, problem: 'broken', firstBadSeq: '3' });
  });

  it('names a deleted entry', async () => {
    await ds.query(`DELETE FROM audit_entry WHERE seq = 2`);
    await expect(verify()).resolves.toMatchObject({ ok: false, firstBadSeq: '2' });
  });

  it('finds the newest entry deleted', async () => {
    await ds.query(`DELETE FROM audit_entry WHERE seq = 5`);
    await expect(verify()).resolves.toMatchObject({ ok: false, firstBadSeq: '5' });
  });

  it('finds two entries swapped', async () => {
    await ds.query(`UPDATE audit_entry SET seq = -1 WHERE seq = 2`);
    await ds.query(`UPDATE audit_entry SET seq = 2 WHERE seq = 3`);
    await ds.query(`UPDATE audit_entry SET seq = 3 WHERE seq = -1`);
    await expect(verify()).resolves.toMatchObject({ ok: false, firstBadSeq: '2' });
  });

  it('keeps one linear chain under concurrent appends', async () => {
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        ds.transaction((m) => log.append(m, { actor: 'cli', action: 'race', subject: `r:${i}` })),
      ),
    );
    await expect(verify()).resolves.toMatchObject({ ok: true, entries: 15 });
  });

  describe('rewritten by someone who can write the database but has not the server secret', () => {
    it('finds a row edited and the chain re-hashed after it with plain SHA-256', async () => {
      await ds.query(`UPDATE audit_entry SET actor = 'someone-else' WHERE seq = 3`);
      await rehashWithoutKey(ds, 3n);
      const verdict = await verify();
      expect(verdict).toMatchObject({ ok: false, problem: 'broken', firstBadSeq: '3', entries: 2 });
      expect(verdict.ok || verdict.reason).toMatch(/hashed again without the key/);
      await stillServing();
      expect(await ds.query(`SELECT actor FROM audit_entry WHERE seq = 3`)).toEqual([{ actor: 'someone-else' }]);
    });

    it('finds a row edited and the whole log re-hashed as if written before the chain was keyed', async () => {
      await ds.query(`UPDATE audit_entry SET actor = 'someone-else' WHERE seq = 1`);
      await rehashWithoutKey(ds);
      await expect(verify()).resolves.toMatchObject({ ok: false, problem: 'broken', firstBadSeq: '1' });
      // The service appends on top of it: the unkeyed entries were never sealed, so still found.
      await stillServing();
      const verdict = await verify();
      expect(verdict).toMatchObject({ ok: false, problem: 'broken', firstBadSeq: '1' });
      expect(verdict.ok || verdict.reason).toMatch(/entries 1-5 are unkeyed and were not sealed/);
    });

    it('finds an entry erased and the later ones renumbered and re-hashed', async () => {
      await ds.query(`DELETE FROM audit_entry WHERE seq = 3`);
      await ds.query(`UPDATE audit_entry SET seq = -seq WHERE seq > 3`);
      await ds.query(`UPDATE audit_entry SET seq = -seq - 1 WHERE seq < 0`);
      await rehashWithoutKey(ds, 3n);
      const verdict = await verify();
      expect(verdict).toMatchObject({ ok: false, problem: 'broken', firstBadSeq: '3', entries: 2 });
      await stillServing();
      expect(await ds.query(`SELECT subject FROM audit_entry WHERE seq <= 4 ORDER BY seq`)).toEqual(
        ['thing:1', 'thing:2', 'thing:4', 'thing:5'].map((subject) => ({ subject })),
      );
    });

    it('finds the newest entries truncated and the head moved back, against a checkpoint', async () => {
      await append(6);
      await append(7);
      const checkpoint = await head();
      expect(checkpoint.entries).toBe(7);
      const [five] = (await ds.query(`SELECT hash FROM audit_entry WHERE seq = 5`)) as { hash: string }[];
      await ds.query(`DELETE FROM audit_entry WHERE seq > 5`);
      await ds.query(`UPDATE audit_head SET seq = 5, hash = $1 WHERE id = 1`, [five.hash]);
      // The chain alone holds together: only what was kept outside the database shows the loss.
      await expect(verify()).resolves.toMatchObject({ ok: true, entries: 5 });
      await expect(verify(checkpoint)).resolves.toMatchObject({
        ok: false,
        problem: 'checkpoint',
        entries: 5,
        firstBadSeq: '6',
        reason: 'the log has 5 entries, the checkpoint saw 7: entries were removed',
      });
      // The service goes on past the checkpoint's count: entry 7 is now another one.
      for (const i of [6, 7, 8]) await append(`again-${i}`);
      await expect(verify(checkpoint)).resolves.toMatchObject({
        ok: false,
        problem: 'checkpoint',
        firstBadSeq: '7',
        reason: 'entry 7 is not the one the checkpoint saw: the log was rewritten or replaced',
      });
      // An older checkpoint, of entries the attack kept, still matches.
      await expect(verify({ entries: 5, head: five.hash })).resolves.toMatchObject({ ok: true, entries: 8 });
    });

    it('finds both tables wiped: plain verify says the log is empty, a checkpoint says what is missing', async () => {
      const checkpoint = await head();
      await ds.query(`DELETE FROM audit_entry`);
      await ds.query(`DELETE FROM audit_head`);
      await expect(verify()).resolves.toEqual({
        ok: false,
        problem: 'empty',
        entries: 0,
        firstBadSeq: '1',
        reason: 'the log has no entry at all',
      });
      await expect(verify(checkpoint)).resolves.toMatchObject({
        ok: false,
        problem: 'checkpoint',
        reason: 'the log has 0 entries, the checkpoint saw 5: entries were removed',
      });
      // A new log starts from nothing; it is not the one the checkpoint saw either.
      for (let i = 1; i <= 6; i++) await append(`new-${i}`);
      await expect(verify()).resolves.toMatchObject({ ok: true, entries: 6 });
      await expect(verify(checkpoint)).resolves.toMatchObject({ ok: false, problem: 'checkpoint', firstBadSeq: '5' });
    });

    it('finds a log verified with another server secret than its own', async () => {
      await expect(verifyAuditChain(ds, Buffer.alloc(32, 7))).resolves.toMatchObject({
        ok: false,
        firstBadSeq: '1',
        reason: expect.stringMatching(/SECRET_KEY_FILE/) as unknown as string,
      });
    });
  });

  describe('entries written before the chain was keyed', () => {
    /** What the version before keyed chains wrote: the same entries, with plain SHA-256 hashes. */
    const asWrittenBeforeTheUpgrade = () => rehashWithoutKey(ds);

    it('are sealed once at the first start after the upgrade, then verify, reported as such', async () => {
      await asWrittenBeforeTheUpgrade();
      const sealed = await ds.transaction((m) => log.sealLegacyEntries(m));
      expect(sealed).toBe(true);
      expect(await ds.transaction((m) => log.sealLegacyEntries(m))).toBe(false);
      await append(7);
      await expect(verify()).resolves.toMatchObject({ ok: true, entries: 7, legacyEntries: 5 });
      const [seal] = (await ds.query(`SELECT action, details FROM audit_entry WHERE seq = 6`)) as {
        action: string;
        details: { legacyEntries: number };
      }[];
      expect(seal).toMatchObject({ action: CHAIN_KEYED_ACTION, details: { legacyEntries: 5 } });
    });

    it('a fresh log has nothing to seal', async () => {
      await expect(ds.transaction((m) => log.sealLegacyEntries(m))).resolves.toBe(false);
      await expect(verify()).resolves.toMatchObject({ ok: true, entries: 5, legacyEntries: 0 });
    });

    it('finds an old entry edited after they were sealed, though re-hashed', async () => {
      await asWrittenBeforeTheUpgrade();
      await ds.transaction((m) => log.sealLegacyEntries(m));
      await ds.query(`UPDATE audit_entry SET actor = 'someone-else' WHERE seq = 2`);
      await rehashWithoutKey(ds, 2n, 5n);
      // The seal's keyed hash covers the old head: it cannot be made again without the key.
      await expect(verify()).resolves.toMatchObject({ ok: false, problem: 'broken', firstBadSeq: '6' });
      await stillServing();
    });

    it('are refused after a keyed entry', async () => {
      await append(6);
      await rehashWithoutKey(ds, 6n);
      await expect(verify()).resolves.toMatchObject({ ok: false, firstBadSeq: '6' });
    });
  });
});
