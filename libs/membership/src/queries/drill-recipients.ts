import { EntityManager } from 'typeorm';

/** A member as a fire drill writes to it and reports on it. */
export interface DrillRecipient {
  id: string;
  organisation: string;
  email: string;
  keyArmored: string;
  keyFingerprint: string;
  keyExpiresAt: Date | null;
}

interface Row {
  id: string;
  organisation: string;
  email: string;
  key_armored: string;
  key_fingerprint: string;
  key_expires_at: Date | null;
}

const COLUMNS = 'id, organisation, email, key_armored, key_fingerprint, key_expires_at';

/**
 * The members a fire drill (issue 14) is sent to, and their keys as they are now for its report:
 * the relay names the member table only through here (docs/architecture.md, Layout). A drill is not
 * list content, so it needs no policy acknowledgement: every active member whose key has not
 * expired. Holds no state; safe to make with `new`.
 */
export class DrillRecipients {
  async active(manager: EntityManager, now: Date): Promise<DrillRecipient[]> {
    const rows = (await manager.query(
      `SELECT ${COLUMNS} FROM member
       WHERE status = 'active' AND (key_expires_at IS NULL OR key_expires_at > $1) ORDER BY organisation, id`,
      [now],
    )) as Row[];
    return rows.map(recipient);
  }

  /** These members (any status) by id, with their current key. */
  async byIds(manager: EntityManager, ids: string[]): Promise<Map<string, DrillRecipient>> {
    if (!ids.length) return new Map();
    const rows = (await manager.query(`SELECT ${COLUMNS} FROM member WHERE id = ANY($1::uuid[])`, [
      [...new Set(ids)],
    ])) as Row[];
    return new Map(rows.map((row) => [row.id, recipient(row)]));
  }
}

function recipient(row: Row): DrillRecipient {
  return {
    id: row.id,
    organisation: row.organisation,
    email: row.email,
    keyArmored: row.key_armored,
    keyFingerprint: row.key_fingerprint,
    keyExpiresAt: row.key_expires_at === null ? null : new Date(row.key_expires_at),
  };
}
