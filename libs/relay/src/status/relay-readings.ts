import { EntityManager } from 'typeorm';

type CountRow = Record<string, string | number | null>;

/**
 * Counts of inbound mail, posts and their copies for the operators' metrics (the web app's
 * /metrics), in the caller's snapshot: the app names the relay's tables only through here
 * (docs/architecture.md, Layout). Codes and statuses only, never a subject or address.
 */
export class RelayReadings {
  inbound(manager: EntityManager): Promise<CountRow[]> {
    return manager.query(
      `SELECT recipient_kind AS kind, status, coalesce(refusal_code, '') AS reason, count(*) AS n
       FROM inbound_message GROUP BY 1, 2, 3`,
    ) as Promise<CountRow[]>;
  }

  async inboundOldestWaitingSeconds(manager: EntityManager): Promise<number> {
    return first(
      await manager.query(
        `SELECT coalesce(extract(epoch FROM now() - min(received_at)), 0) AS n
         FROM inbound_message WHERE status IN ('received', 'processing')`,
      ),
    );
  }

  async postsAccepted(manager: EntityManager): Promise<number> {
    return first(await manager.query('SELECT count(*) AS n FROM post'));
  }

  postsRefused(manager: EntityManager): Promise<CountRow[]> {
    return manager.query(
      `SELECT coalesce(refusal_code, 'UNKNOWN') AS reason, count(*) AS n FROM inbound_message
       WHERE recipient_kind = 'list' AND status = 'refused' GROUP BY 1`,
    ) as Promise<CountRow[]>;
  }

  /**
   * Copies of posts by state and, for those not sent, the reason code: queued (pending, never
   * tried), sending (a worker's lease on it), deferred (tried, waiting for its next attempt),
   * delivered, failed, held and skipped.
   */
  copies(manager: EntityManager): Promise<CountRow[]> {
    return manager.query(
      `SELECT CASE
                WHEN status = 'sent' THEN 'delivered'
                WHEN status <> 'pending' THEN status
                WHEN lease_until > now() THEN 'sending'
                WHEN attempts > 0 THEN 'deferred'
                ELSE 'queued'
              END AS status,
              coalesce(reason, '') AS reason, count(*) AS n
       FROM post_delivery GROUP BY 1, 2`,
    ) as Promise<CountRow[]>;
  }

  /**
   * Counted from the post's acceptance: a copy held for a member who acknowledges the policy later
   * counts from then too, so alert on copyOldestDueSeconds for a stalled worker.
   */
  async copyOldestPendingSeconds(manager: EntityManager): Promise<number> {
    return first(
      await manager.query(
        `SELECT coalesce(extract(epoch FROM now() - min(p.created_at)), 0) AS n
         FROM post_delivery d JOIN post p ON p.id = d.post_id WHERE d.status = 'pending'`,
      ),
    );
  }

  async copyOldestDueSeconds(manager: EntityManager): Promise<number> {
    return first(
      await manager.query(
        `SELECT coalesce(extract(epoch FROM now() - min(next_attempt_at)), 0) AS n
         FROM post_delivery WHERE status = 'pending' AND next_attempt_at <= now()`,
      ),
    );
  }
}

function first(rows: unknown): number {
  return Number((rows as CountRow[])[0]?.n ?? 0);
}
