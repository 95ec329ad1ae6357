import { DataSource, EntityManager } from 'typeorm';
import { AuditEntry } from './audit-entry.entity';
import { CHAIN_KEYED_ACTION } from './audit-log';
import { chainHash, GENESIS_HASH, legacyChainHash } from './chain';

/**
 * broken: an entry was edited, deleted, moved or hashed again without the key; empty: there is no
 * entry at all; checkpoint: the chain holds together but is not the log a checkpoint saw.
 */
export type AuditProblem = 'broken' | 'empty' | 'checkpoint';

export type AuditVerdict =
  | {
      ok: true;
      entries: number;
      headHash: string;
      /** Entries written before the chain was keyed (plain SHA-256), sealed by the entry after them. */
      legacyEntries: number;
    }
  | { ok: false; problem: AuditProblem; entries: number; firstBadSeq: string; reason: string };

/** What a checkpoint says the log held: its number of entries and the hash of the newest. */
export interface CheckpointClaim {
  entries: number;
  head: string;
}

const PAGE = 1000;

/**
 * Walks the whole chain in order with the chain key; names the first entry that was edited,
 * deleted or moved, or hashed again without the key. Entries written before the chain was keyed
 * carry a plain SHA-256 hash: they are accepted only as the start of the log, and only when the
 * first keyed entry after them is the seal `initialise` writes (CHAIN_KEYED_ACTION), so a log
 * rewritten as "old" entries is found. Given a checkpoint, also finds a log that was truncated,
 * wiped or replaced since: one that holds fewer entries, or another entry at the checkpoint's count.
 * Reads only; changes nothing.
 */
export function verifyAuditChain(
  dataSource: DataSource,
  key: Buffer,
  checkpoint?: CheckpointClaim,
): Promise<AuditVerdict> {
  // One snapshot for the entries and the head: read apart, an entry appended meanwhile (the
  // service writing while `cordon audit verify` reads) moved the head past the entries read and
  // looked like the newest entries missing.
  return dataSource.transaction('REPEATABLE READ', (manager) => verifyIn(manager, key, checkpoint));
}

async function verifyIn(manager: EntityManager, key: Buffer, checkpoint?: CheckpointClaim): Promise<AuditVerdict> {
  const repo = manager.getRepository(AuditEntry);
  let expectedSeq = 1n;
  let prevHash = GENESIS_HASH;
  let count = 0;
  let legacy = 0;
  let keyed = false;
  let atCheckpoint = checkpoint?.entries === 0 ? GENESIS_HASH : undefined;
  for (;;) {
    const page = await repo
      .createQueryBuilder('e')
      .where('e.seq >= :from', { from: String(expectedSeq) })
      .orderBy('e.seq', 'ASC')
      .take(PAGE)
      .getMany();
    for (const entry of page) {
      const broken = (reason: string, firstBadSeq = entry.seq, entries = count): AuditVerdict => ({
        ok: false,
        problem: 'broken',
        entries,
        firstBadSeq,
        reason,
      });
      if (BigInt(entry.seq) !== expectedSeq) return broken('entry missing (deleted)', String(expectedSeq));
      if (entry.prevHash !== prevHash) return broken('does not follow the entry before it (deleted or reordered)');
      if (chainHash(key, prevHash, entry) === entry.hash) {
        if (!keyed && legacy > 0 && entry.action !== CHAIN_KEYED_ACTION) {
          return broken(
            `entries 1-${legacy} are unkeyed and were not sealed when the chain was keyed: rewritten without the key`,
            '1',
            0,
          );
        }
        keyed = true;
      } else if (legacyChainHash(prevHash, entry) === entry.hash) {
        if (keyed) return broken('hashed again without the key (plain SHA-256 where the keyed hash belongs)');
        legacy += 1;
      } else {
        // At the first entry, the likelier cause is another server secret than the log's own.
        const hint = count === 0 ? ' (or SECRET_KEY_FILE is not the server secret the log was written with)' : '';
        return broken(`contents changed since it was written${hint}`);
      }
      prevHash = entry.hash;
      expectedSeq += 1n;
      count += 1;
      if (count === checkpoint?.entries) atCheckpoint = entry.hash;
    }
    if (page.length < PAGE) break;
  }
  const head = (await manager.query('SELECT seq, hash FROM audit_head WHERE id = 1')) as {
    seq: string;
    hash: string;
  }[];
  const headSeq = head.length ? BigInt(head[0].seq) : 0n;
  const headHash = head.length ? head[0].hash : GENESIS_HASH;
  const next = String(expectedSeq);
  if (headSeq !== expectedSeq - 1n || headHash !== prevHash) {
    const reason = `the newest entries are missing (head is at ${headSeq})`;
    return { ok: false, problem: 'broken', entries: count, firstBadSeq: next, reason };
  }
  if (count > 0 && !keyed) {
    const reason = `none of the ${count} entries is keyed: written before the chain was keyed and not sealed yet (start Cordon once), or rewritten without the key`;
    return { ok: false, problem: 'broken', entries: 0, firstBadSeq: '1', reason };
  }
  if (checkpoint && count < checkpoint.entries) {
    const reason = `the log has ${count} entries, the checkpoint saw ${checkpoint.entries}: entries were removed`;
    return { ok: false, problem: 'checkpoint', entries: count, firstBadSeq: next, reason };
  }
  if (checkpoint && atCheckpoint !== checkpoint.head) {
    const reason = `entry ${checkpoint.entries} is not the one the checkpoint saw: the log was rewritten or replaced`;
    const firstBadSeq = String(Math.max(checkpoint.entries, 1));
    return { ok: false, problem: 'checkpoint', entries: count, firstBadSeq, reason };
  }
  if (count === 0) {
    return { ok: false, problem: 'empty', entries: 0, firstBadSeq: '1', reason: 'the log has no entry at all' };
  }
  return { ok: true, entries: count, headHash: prevHash, legacyEntries: legacy };
}
