import { EntityManager } from 'typeorm';
import { ChainedFields } from './chain';

/** One audit entry as the libs read it back (docs/architecture.md, invariant 5): the fields the chain hashes. */
export type AuditTrailEntry = ChainedFields;

interface Row {
  seq: string;
  at: Date;
  actor: string;
  action: string;
  subject: string;
  details: unknown;
}

/**
 * Reading the audit log back, for the libs that show or follow a history: they name the
 * audit_entry table only through here (docs/architecture.md, Layout). Oldest first unless said.
 */
export class AuditTrail {
  /** Every entry about one subject (`member:<id>`, `application:<id>`), in the chain's order. */
  async about(manager: EntityManager, subject: string): Promise<AuditTrailEntry[]> {
    const rows = (await manager.query(
      `SELECT seq, at, actor, action, subject, details FROM audit_entry WHERE subject = $1 ORDER BY seq`,
      [subject],
    )) as Row[];
    return rows.map(entry);
  }

  /**
   * The newest `limit` entries about any of `subjects`, by `actor`, or whose details mention
   * `mentioned` (a UUID, so it carries no LIKE wildcard); newest first.
   */
  async concerning(
    manager: EntityManager,
    which: { subjects: string[]; actor: string; mentioned: string },
    limit: number,
  ): Promise<AuditTrailEntry[]> {
    const rows = (await manager.query(
      `SELECT seq, at, actor, action, subject, details FROM audit_entry
       WHERE subject = ANY($1::text[]) OR details::text LIKE $2 OR actor = $3
       ORDER BY seq DESC
       LIMIT ${Math.trunc(limit)}`,
      [which.subjects, `%${which.mentioned}%`, which.actor],
    )) as Row[];
    return rows.map(entry);
  }
}

function entry(row: Row): AuditTrailEntry {
  return {
    seq: String(row.seq),
    at: new Date(row.at),
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    details: (typeof row.details === 'string' ? JSON.parse(row.details) : row.details) as Record<string, unknown>,
  };
}
