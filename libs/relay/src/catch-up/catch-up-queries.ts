import { EntityManager } from 'typeorm';

/** A member now eligible for an embargo's posts, and the key it holds now. */
export interface EligibleNow {
  memberId: string;
  fingerprint: string;
}

/** A post one or more members lack a copy of, to their current key. */
export interface MissingCopy {
  postId: string;
  memberId: string;
  fingerprint: string;
}

/** A post as a catch-up copy is made from it. */
export interface PostSource {
  postId: string;
  maintainerId: string;
  /** The member answer this post released, or null for a maintainer's post. */
  releasedAnswerId: string | null;
  createdAt: Date;
  /** The stored inbound message as it came (encrypted to the list key); null once erased. */
  raw: Buffer | null;
}

/** A member's answer as a release made a post of it (member-answers/release-member-answer.ts). */
export interface ReleasedAnswer {
  memberId: string;
  signedAt: Date;
  /** ServerSecret-sealed (ANSWER_SUBJECT, ANSWER_CONTENT). */
  subjectSealed: string;
  contentSealed: string;
}

/** How a released answer's post is told from a maintainer's (its signature digest). */
const RELEASED = 'released-answer:';

/**
 * A copy counts as the member's (no catch-up) while it is queued, sent, held for the member's
 * acknowledgement (held mail releases it then) or failed (it was tried, and the relay gave up); a
 * skipped copy, or one sealed to another key, does not.
 */
const HAD_A_COPY = `('pending', 'sent', 'held', 'failed')`;

/**
 * The catch-up's questions about the relay's own tables (post, post_delivery, post_catch_up,
 * inbound_message); everything about members and embargoes it asks their owners.
 */
export class CatchUpQueries {
  /** The embargoes that posts of the list name. */
  async embargoesWithPosts(manager: EntityManager): Promise<string[]> {
    const rows = (await manager.query(`SELECT DISTINCT embargo_id FROM post WHERE embargo_id IS NOT NULL`)) as {
      embargo_id: string;
    }[];
    return rows.map((row) => row.embargo_id);
  }

  /**
   * Each post of the embargo that one of these members has no copy of to its current key, nor a
   * catch-up: the copies to make, oldest post first (released member answers too).
   */
  async missing(manager: EntityManager, embargoId: string, members: EligibleNow[]): Promise<MissingCopy[]> {
    if (members.length === 0) return [];
    const rows = (await manager.query(
      `SELECT p.id AS post_id, c.member_id, c.fingerprint
       FROM post p CROSS JOIN unnest($2::uuid[], $3::text[]) AS c(member_id, fingerprint)
       WHERE p.embargo_id = $1
         AND NOT EXISTS (
           SELECT 1 FROM post_delivery d
           WHERE d.post_id = p.id AND d.member_id = c.member_id AND d.status IN ${HAD_A_COPY}
             AND (d.key_fingerprint IS NULL OR upper(d.key_fingerprint) = upper(c.fingerprint)))
         AND NOT EXISTS (
           SELECT 1 FROM post_catch_up u
           WHERE u.post_id = p.id AND u.member_id = c.member_id AND u.key_fingerprint = upper(c.fingerprint))
       ORDER BY p.created_at, p.id, c.member_id`,
      [embargoId, members.map((m) => m.memberId), members.map((m) => m.fingerprint)],
    )) as { post_id: string; member_id: string; fingerprint: string }[];
    return rows.map((row) => ({ postId: row.post_id, memberId: row.member_id, fingerprint: row.fingerprint }));
  }

  /** The posts with their stored inbound messages. */
  async sources(manager: EntityManager, postIds: string[]): Promise<Map<string, PostSource>> {
    if (postIds.length === 0) return new Map();
    const rows = (await manager.query(
      `SELECT p.id, p.maintainer_id, p.created_at, p.signature_digest,
              CASE WHEN i.raw_erased_at IS NULL THEN i.raw END AS raw
       FROM post p JOIN inbound_message i ON i.id = p.inbound_message_id WHERE p.id = ANY($1::uuid[])`,
      [postIds],
    )) as { id: string; maintainer_id: string; created_at: Date; signature_digest: string; raw: Uint8Array | null }[];
    return new Map(
      rows.map((row) => [
        row.id,
        {
          postId: row.id,
          maintainerId: row.maintainer_id,
          releasedAnswerId: row.signature_digest.startsWith(RELEASED)
            ? row.signature_digest.slice(RELEASED.length)
            : null,
          createdAt: new Date(row.created_at),
          raw: row.raw && row.raw.length > 0 ? Buffer.from(row.raw) : null,
        },
      ]),
    );
  }

  /** The member answer a post released, as stored (sealed); null when there is none. */
  async releasedAnswer(manager: EntityManager, answerId: string): Promise<ReleasedAnswer | null> {
    const [row] = (await manager.query(
      `SELECT member_id, signed_at, subject_sealed, content_sealed FROM member_answer WHERE id = $1`,
      [answerId],
    )) as { member_id: string; signed_at: Date; subject_sealed: string; content_sealed: string }[];
    return row
      ? {
          memberId: row.member_id,
          signedAt: new Date(row.signed_at),
          subjectSealed: row.subject_sealed,
          contentSealed: row.content_sealed,
        }
      : null;
  }

  /** Records the catch-up of this post for this member and key; false when one is already recorded. */
  async claim(manager: EntityManager, id: string, copy: MissingCopy): Promise<boolean> {
    const rows = (await manager.query(
      `INSERT INTO post_catch_up (id, post_id, member_id, key_fingerprint)
       VALUES ($1, $2, $3, upper($4)) ON CONFLICT (post_id, member_id, key_fingerprint) DO NOTHING RETURNING id`,
      [id, copy.postId, copy.memberId, copy.fingerprint],
    )) as unknown[];
    return rows.length > 0;
  }

  /** The queued message that carries the catch-up. */
  async queued(manager: EntityManager, id: string, outboundMessageId: string): Promise<void> {
    await manager.query(`UPDATE post_catch_up SET outbound_message_id = $2 WHERE id = $1`, [id, outboundMessageId]);
  }
}
