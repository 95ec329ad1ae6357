import { EntityManager } from 'typeorm';

/** A count under the labels its columns name (`status`, …), as the metrics endpoint reports it. */
export type CountRow = Record<string, string | number | null>;

/**
 * Counts of applications and members for the operators' metrics (the web app's /metrics), read in
 * the caller's snapshot: the app names the membership tables only through here (docs/architecture.md,
 * Layout). Codes and statuses only, never an address.
 */
export class MembershipReadings {
  applicationsByStatus(manager: EntityManager): Promise<CountRow[]> {
    return manager.query('SELECT status, count(*) AS n FROM application GROUP BY status') as Promise<CountRow[]>;
  }

  membersByStatus(manager: EntityManager): Promise<CountRow[]> {
    return manager.query('SELECT status, count(*) AS n FROM member GROUP BY status') as Promise<CountRow[]>;
  }

  /** Active members that have not acknowledged `currentPolicyVersion` (null: none is published). */
  async awaitingAcknowledgement(manager: EntityManager, currentPolicyVersion: number | null): Promise<number> {
    return count(
      await manager.query(
        `SELECT count(*) AS n FROM member
         WHERE status = 'active' AND acknowledged_policy_version IS DISTINCT FROM $1::integer`,
        [currentPolicyVersion],
      ),
    );
  }

  /** Active members whose key expires within `days` days from now (and has not yet). */
  async keysExpiringWithin(manager: EntityManager, days: number): Promise<number> {
    return count(
      await manager.query(
        `SELECT count(*) AS n FROM member WHERE status = 'active'
           AND key_expires_at > now() AND key_expires_at <= now() + make_interval(days => $1)`,
        [days],
      ),
    );
  }

  async keysExpired(manager: EntityManager): Promise<number> {
    return count(
      await manager.query(`SELECT count(*) AS n FROM member WHERE status = 'active' AND key_expires_at <= now()`),
    );
  }
}

function count(rows: unknown): number {
  return Number((rows as CountRow[])[0]?.n ?? 0);
}
