import { EntityManager } from 'typeorm';
import { HeldCopies, HeldCopiesQuestion, HeldCopy } from '@cordon/embargo';

interface Row {
  id: string;
  post_id: string;
  member_id: string;
  embargo_id: string | null;
  sealed: boolean;
}

const COPY = 'd.id, d.post_id, d.member_id, p.embargo_id, d.key_packet IS NOT NULL AS sealed';

async function answer(manager: EntityManager, question: HeldCopiesQuestion): Promise<Row[]> {
  if ('find' in question) {
    const [where, id] =
      'memberId' in question.find ? ['d.member_id', question.find.memberId] : ['p.embargo_id', question.find.embargoId];
    // Locked, so that what HeldMail decides for each copy still holds when it changes them.
    return (await manager.query(
      `SELECT ${COPY} FROM post_delivery d JOIN post p ON p.id = d.post_id
       WHERE d.status = 'held' AND ${where} = $1 ORDER BY d.id FOR UPDATE OF d`,
      [id],
    )) as Row[];
  }
  const [set, params] =
    'release' in question
      ? [`status = 'pending', reason = NULL, next_attempt_at = now()`, [question.release]]
      : [`status = 'skipped', reason = $2`, [question.withdraw, question.reason]];
  const [changed] = (await manager.query(
    `UPDATE post_delivery d SET ${set}, lease_until = NULL, lease_owner = NULL FROM post p
     WHERE p.id = d.post_id AND d.id = ANY($1::uuid[]) AND d.status = 'held'
       ${'release' in question ? 'AND d.key_packet IS NOT NULL' : ''}
     RETURNING ${COPY}`,
    params,
  )) as [Row[], number];
  return changed;
}

/**
 * The relay's answers to embargo's HeldCopies (docs/architecture.md, Layout): the held copies are
 * rows of post_delivery, which only the relay names. Provided by RelayAnswers as the module is
 * built, and by a test that builds the libs by hand. Returns the copies it was given.
 */
export function answerHeldCopies(copies: HeldCopies): HeldCopies {
  copies.provide(async (manager, question) =>
    (await answer(manager, question)).map((row): HeldCopy => ({
      id: row.id,
      postId: row.post_id,
      memberId: row.member_id,
      embargoId: row.embargo_id,
      sealed: row.sealed,
    })),
  );
  return copies;
}
