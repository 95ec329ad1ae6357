import { EntityManager } from 'typeorm';

/**
 * Automatic replies go to senders whose address anyone can forge, so each kind of reply goes to an
 * address at most once in `days`: the list cannot be turned into a mail cannon against a third
 * party. Claims the right to reply to `address` now, in the caller's transaction (rolled back with
 * it); returns false when a reply of this kind went there less than `days` ago. Concurrent claims
 * for one address meet on the primary key: only one wins.
 */
export async function claimAutoReply(
  manager: EntityManager,
  kind: string,
  address: string,
  days: number,
): Promise<boolean> {
  const claimed = (await manager.query(
    `INSERT INTO auto_reply (kind, address, sent_at) VALUES ($1, lower($2), now())
     ON CONFLICT (kind, address) DO UPDATE SET sent_at = now()
       WHERE auto_reply.sent_at <= now() - make_interval(days => $3::integer)
     RETURNING 1`,
    [kind, address, days],
  )) as unknown[];
  return claimed.length > 0;
}
