import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** An active member whose key expires soon. */
export interface ExpiringMemberKey {
  id: string;
  email: string;
  organisation: string;
  keyArmored: string;
  keyFingerprint: string;
  keyExpiresAt: Date;
}

/**
 * The active members whose key expires after `now` and within `days` of it, soonest first: the
 * relay's daily key health check warns them (issue 6). The relay names the member table only
 * through the membership lib (docs/architecture.md, Layout).
 */
@Injectable()
export class KeysExpiringSoon {
  async within(manager: EntityManager, now: Date, days: number): Promise<ExpiringMemberKey[]> {
    const rows = (await manager.query(
      `SELECT id, email, organisation, key_armored, key_fingerprint, key_expires_at FROM member
       WHERE status = 'active' AND key_expires_at > $1 AND key_expires_at <= $1 + make_interval(days => $2)
       ORDER BY key_expires_at, id`,
      [now, days],
    )) as {
      id: string;
      email: string;
      organisation: string;
      key_armored: string;
      key_fingerprint: string;
      key_expires_at: Date;
    }[];
    return rows.map((row) => ({
      id: row.id,
      email: row.email,
      organisation: row.organisation,
      keyArmored: row.key_armored,
      keyFingerprint: row.key_fingerprint,
      keyExpiresAt: new Date(row.key_expires_at),
    }));
  }
}
