import { EntityManager } from 'typeorm';

/**
 * What the outbound queue holds, as the libs above it ask about it or call some of it back: they
 * name the outbound_message table only through here (docs/architecture.md, Layout).
 */
export class QueuedMail {
  /** Whether mail for `purpose` was queued to `recipient` (compared without case) in the last `hours`. */
  async queuedWithin(manager: EntityManager, purpose: string, recipient: string, hours: number): Promise<boolean> {
    const rows = (await manager.query(
      `SELECT 1 FROM outbound_message WHERE purpose = $1 AND lower(recipient) = lower($2)
       AND created_at > now() - make_interval(hours => $3) LIMIT 1`,
      [purpose, recipient, hours],
    )) as unknown[];
    return rows.length > 0;
  }

  /**
   * Calls back the mail still waiting for `recipient` whose purpose starts with one of `purposes`
   * (`embargo.`, `member.`): it fails with `why` and is never sent. Mail already handed to the relay
   * cannot be called back. Returns how many were called back.
   */
  async withdrawPending(manager: EntityManager, recipient: string, purposes: string[], why: string): Promise<number> {
    const [withdrawn] = (await manager.query(
      `UPDATE outbound_message SET status = 'failed', last_error = $3
       WHERE status = 'pending' AND lower(recipient) = lower($1) AND purpose LIKE ANY($2::text[])
       RETURNING id`,
      [recipient, purposes.map((prefix) => `${prefix}%`), why],
    )) as [unknown[], number];
    return withdrawn.length;
  }
}
