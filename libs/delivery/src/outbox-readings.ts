import { EntityManager } from 'typeorm';

/**
 * Counts of the outbox for the operators' metrics (the web app's /metrics), in the caller's
 * snapshot: the app names the outbound table only through here (docs/architecture.md, Layout).
 */
export class OutboxReadings {
  byStatus(manager: EntityManager): Promise<Record<string, string | number | null>[]> {
    return manager.query('SELECT status, count(*) AS n FROM outbound_message GROUP BY status') as Promise<
      Record<string, string | number | null>[]
    >;
  }

  /** How long the oldest mail still to go has waited, in seconds (0 when none waits). */
  async oldestPendingSeconds(manager: EntityManager): Promise<number> {
    const [row] = (await manager.query(
      `SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0) AS n
       FROM outbound_message WHERE status = 'pending'`,
    )) as { n: string | number }[];
    return Number(row?.n ?? 0);
  }
}
