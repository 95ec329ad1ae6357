import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { INELIGIBILITY } from '@cordon/membership';

/** Why a held copy of an ended embargo never goes out: the eligibility rule's EMBARGO_ENDED. */
const EMBARGO_ENDED = INELIGIBILITY.EMBARGO_ENDED.recorded;

/**
 * List mail kept back from a member who has not acknowledged the current Embargo Policy (issue 5,
 * "Policy and acknowledgements"). A held copy already holds the member's key packet, made at
 * fan-out, so releasing it costs no cryptography. It is released once the member acknowledges,
 * but only while the post's embargo is still running: once the embargo is lifted or broken, the
 * copy is never delivered (it is marked skipped, `embargo_ended`). A post that names no embargo
 * has no end known to the list, so its held copies are released on acknowledgement.
 *
 * That is the eligibility rule's EMBARGO_ENDED (libs/membership/src/eligibility): a member yet to
 * acknowledge is not held for once the post's embargo has ended. The rest of the rule is asked again
 * when the delivery worker claims a released copy (SendTimeEligibility), so a release that races a
 * suspension or a key change only sets the copy aside again.
 */
@Injectable()
export class HeldMail {
  constructor(private readonly audit: AuditLog) {}

  /** Releases the member's held copies whose embargo still runs; withdraws those whose embargo ended. */
  async releaseFor(manager: EntityManager, memberId: string): Promise<{ released: number; withdrawn: number }> {
    const withdrawn = await this.withdraw(manager, `member:${memberId}`, "d.member_id = $1 AND e.status <> 'active'", [
      memberId,
    ]);
    const [released] = (await manager.query(
      `UPDATE post_delivery d SET status = 'pending', reason = NULL, next_attempt_at = now(), lease_until = NULL
       FROM post p LEFT JOIN embargo e ON e.id = p.embargo_id
       WHERE p.id = d.post_id AND d.member_id = $1 AND d.status = 'held' AND d.key_packet IS NOT NULL
         AND (e.id IS NULL OR e.status = 'active')
       RETURNING d.id, d.post_id`,
      [memberId],
    )) as [{ id: string; post_id: string }[], number];
    if (released.length > 0) {
      await this.audit.append(manager, {
        actor: 'system',
        action: 'post.copies_released',
        subject: `member:${memberId}`,
        details: { deliveries: released.map((row) => ({ id: row.id, postId: row.post_id })) },
      });
    }
    return { released: released.length, withdrawn };
  }

  /** Called as an embargo is lifted or broken, in that transaction: its held copies never go out. */
  withdrawForEmbargo(manager: EntityManager, embargoId: string): Promise<number> {
    return this.withdraw(manager, `embargo:${embargoId}`, 'p.embargo_id = $1', [embargoId]);
  }

  private async withdraw(manager: EntityManager, subject: string, where: string, params: unknown[]) {
    const [withdrawn] = (await manager.query(
      `UPDATE post_delivery d SET status = 'skipped', reason = $${params.length + 1}, lease_until = NULL
       FROM post p JOIN embargo e ON e.id = p.embargo_id
       WHERE p.id = d.post_id AND d.status = 'held' AND ${where}
       RETURNING d.id, d.post_id, d.member_id`,
      [...params, EMBARGO_ENDED],
    )) as [{ id: string; post_id: string; member_id: string }[], number];
    if (withdrawn.length > 0) {
      await this.audit.append(manager, {
        actor: 'system',
        action: 'post.held_copies_withdrawn',
        subject,
        details: {
          reason: EMBARGO_ENDED,
          deliveries: withdrawn.map((row) => ({ id: row.id, postId: row.post_id, memberId: row.member_id })),
        },
      });
    }
    return withdrawn.length;
  }
}
