import { EntityManager } from 'typeorm';
import { OutboundStatus } from './outbound-message.entity';

/** What became of one queued message, as the lib that queued it reports it. */
export interface QueuedMailState {
  status: OutboundStatus;
  lastError: string | null;
  sentAt: Date | null;
}

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

  /** These messages' states by id (an id no message has is left out): a drill's report, say. */
  async states(manager: EntityManager, ids: string[]): Promise<Map<string, QueuedMailState>> {
    if (!ids.length) return new Map();
    const rows = (await manager.query(
      `SELECT id, status, last_error, sent_at FROM outbound_message WHERE id = ANY($1::uuid[])`,
      [[...new Set(ids)]],
    )) as { id: string; status: OutboundStatus; last_error: string | null; sent_at: Date | null }[];
    return new Map(
      rows.map((row) => [
        row.id,
        { status: row.status, lastError: row.last_error, sentAt: row.sent_at === null ? null : new Date(row.sent_at) },
      ]),
    );
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
