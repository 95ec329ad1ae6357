import { Injectable } from '@nestjs/common';
import { HeldCopies, PostsUnderEmbargo, UnsentCopies } from '@cordon/embargo';
import { PostsOnRecord } from '@cordon/membership';
import { answerHeldCopies } from './held-copies-answer';

/**
 * What the relay answers for the libs below it, which never read or write the post tables
 * (docs/architecture.md, Layout): whether any post exists (membership's ImportList), how many
 * posts each embargo has (embargo's reminders), and the stop of a removed member's copies not yet
 * sent (pending, or held for an acknowledgement), which ConfirmLeak runs in its own transaction,
 * and the held copies HeldMail releases or withdraws (answerHeldCopies).
 * Provided as the module is built.
 */
@Injectable()
export class RelayAnswers {
  constructor(
    posts: PostsUnderEmbargo,
    unsentCopies: UnsentCopies,
    postsOnRecord: PostsOnRecord,
    heldCopies: HeldCopies,
  ) {
    answerHeldCopies(heldCopies);
    postsOnRecord.provide(async (manager) => {
      const [row] = (await manager.query('SELECT EXISTS (SELECT 1 FROM post) AS any')) as { any: boolean }[];
      return row.any;
    });
    posts.provide(async (manager, embargoIds) => {
      const rows = (await manager.query(
        `SELECT embargo_id, count(*)::int AS posts FROM post WHERE embargo_id = ANY($1::uuid[]) GROUP BY embargo_id`,
        [embargoIds],
      )) as { embargo_id: string; posts: number }[];
      return new Map(rows.map((row) => [row.embargo_id, row.posts]));
    });
    unsentCopies.provide(async (manager, memberId) => {
      const [skipped] = (await manager.query(
        `UPDATE post_delivery SET status = 'skipped', reason = 'member_removed', lease_until = NULL, lease_owner = NULL
         WHERE member_id = $1 AND status IN ('pending', 'held')
         RETURNING id`,
        [memberId],
      )) as [unknown[], number];
      return skipped.length;
    });
  }
}
