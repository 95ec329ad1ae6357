import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditEntry } from './audit-entry.entity';
import { AUDIT_CHAIN_KEY, chainHash, GENESIS_HASH, legacyChainHash } from './chain';

/** Who did it: `maintainer:<id>`, `member:<id>`, `applicant:<id>`, `cli`, `system`, `anonymous`. */
export type Actor = string;

export interface AuditRecord {
  actor: Actor;
  action: string;
  subject: string;
  /** Facts about the change. Never a secret, a token or a message body. */
  details?: Record<string, unknown>;
}

// One constant key: appends take this transaction-scoped advisory lock so that concurrent
// transactions extend the chain one after the other instead of forking it.
const CHAIN_LOCK = 0x636f72646f6e; // "cordon"

/**
 * The first keyed entry after entries written before the chain was keyed: it seals them (its HMAC
 * covers the last unkeyed hash), and `verifyAuditChain` accepts unkeyed entries only before it.
 */
export const CHAIN_KEYED_ACTION = 'audit.chain_keyed';

/** The newest entry's number (0: the log is empty) and hash: what a checkpoint records. */
export interface AuditHead {
  entries: number;
  hash: string;
}

/**
 * The append-only, hash-chained audit log (docs/architecture.md, invariant 5). Callers append inside the
 * transaction that makes the change, so a change and its record commit or roll back together.
 * The chain is keyed (HMAC with a key from the server secret, see chain.ts): whoever can write the
 * database but has not the secret cannot edit an entry and chain the rest again unnoticed.
 */
@Injectable()
export class AuditLog {
  constructor(@Inject(AUDIT_CHAIN_KEY) private readonly key: Buffer) {}

  async append(manager: EntityManager, record: AuditRecord): Promise<AuditEntry> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('AuditLog.append must run inside the transaction that makes the change');
    }
    await manager.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
    const head = (await manager.query('SELECT seq, hash FROM audit_head WHERE id = 1')) as {
      seq: string;
      hash: string;
    }[];
    const prevSeq = head.length ? BigInt(head[0].seq) : 0n;
    const prevHash = head.length ? head[0].hash : GENESIS_HASH;
    // A JS Date has millisecond precision, which timestamptz keeps exactly: the hash survives a round trip.
    const at = new Date();
    const entry = manager.create(AuditEntry, {
      seq: String(prevSeq + 1n),
      at,
      actor: record.actor,
      action: record.action,
      subject: record.subject,
      // Stored as jsonb and hashed: normalise first (drops undefined, dates to ISO strings) so that
      // what is hashed now is exactly what is read back later.
      details: JSON.parse(JSON.stringify(record.details ?? {})) as Record<string, unknown>,
      prevHash,
    });
    entry.hash = chainHash(this.key, prevHash, entry);
    // The entry and the head it moves to, in one statement: a plain INSERT (save() would first
    // SELECT the row by its key), and one round trip fewer per change (the outcome recorder
    // appends once per group commit; on the embedded database each statement is the event loop's).
    await manager.query(
      `WITH entry AS (
         INSERT INTO audit_entry (seq, at, actor, action, subject, details, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8) RETURNING seq, hash)
       INSERT INTO audit_head (id, seq, hash) SELECT 1, seq, hash FROM entry
       ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash`,
      [
        entry.seq,
        entry.at,
        entry.actor,
        entry.action,
        entry.subject,
        JSON.stringify(entry.details),
        prevHash,
        entry.hash,
      ],
    );
    return entry;
  }

  /** The head as the caller's transaction sees it: its own appends included. */
  async head(manager: EntityManager): Promise<AuditHead> {
    const [head] = (await manager.query('SELECT seq, hash FROM audit_head WHERE id = 1')) as {
      seq: string;
      hash: string;
    }[];
    return head ? { entries: Number(head.seq), hash: head.hash } : { entries: 0, hash: GENESIS_HASH };
  }

  /**
   * Once, at the first start after the upgrade that keyed the chain (`initialise`, under its lock,
   * before anything else is appended): when the newest entry is an unkeyed one, appends the
   * CHAIN_KEYED_ACTION entry that seals them. The old entries keep their hashes, so any hash of
   * the log noted before the upgrade still matches. Returns whether it sealed.
   */
  async sealLegacyEntries(manager: EntityManager): Promise<boolean> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('AuditLog.sealLegacyEntries must run inside a transaction');
    }
    await manager.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
    const head = await this.head(manager);
    if (head.entries === 0) return false;
    const newest = await manager.findOne(AuditEntry, { where: { seq: String(head.entries) } });
    // An entry that matches neither hash was altered: left as it is, for `audit verify` to name.
    if (!newest || legacyChainHash(newest.prevHash, newest) !== newest.hash) return false;
    await this.append(manager, {
      actor: 'system',
      action: CHAIN_KEYED_ACTION,
      subject: 'audit_log',
      details: { legacyEntries: head.entries, legacyHead: head.hash },
    });
    return true;
  }
}
