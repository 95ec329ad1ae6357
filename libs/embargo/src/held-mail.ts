import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { eligibility, INELIGIBILITY, MemberEligibilityQueries } from '@cordon/membership';
import { CurrentPolicyVersion } from '@cordon/policy';
import { EmbargoAudiences, EmbargoCircumstances } from './audience/embargo-audiences';
import { HeldCopies, HeldCopy } from './held-copies';

/** Why a held copy of an ended embargo never goes out: the eligibility rule's EMBARGO_ENDED. */
const EMBARGO_ENDED = INELIGIBILITY.EMBARGO_ENDED.recorded;
/** Why a held copy of an embargo whose audience the member has left never goes out (issue 14). */
const NOT_IN_AUDIENCE = INELIGIBILITY.NOT_IN_AUDIENCE.recorded;

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
 *
 * Nor does a copy of an embargo whose audience the member is no longer in (the rule's
 * NOT_IN_AUDIENCE, asked with the embargo's circumstances): it is withdrawn, `not_in_audience`.
 *
 * The copies are the relay's (HeldCopies answers for them); the rule of which go out is here.
 */
@Injectable()
export class HeldMail {
  /** The embargoes' state: whether each has ended, and its audience. */
  private readonly embargoes = new EmbargoAudiences();
  private readonly members = new MemberEligibilityQueries();
  private readonly policy = new CurrentPolicyVersion();

  constructor(
    private readonly audit: AuditLog,
    private readonly copies: HeldCopies,
  ) {}

  /** Releases the member's held copies whose embargo still runs; withdraws those whose embargo ended. */
  async releaseFor(manager: EntityManager, memberId: string): Promise<{ released: number; withdrawn: number }> {
    const held = await this.copies.heldFor(manager, memberId);
    const embargoes = await this.embargoes.circumstances(
      manager,
      held.flatMap((copy) => copy.embargoId ?? []),
    );
    const ended = (copy: HeldCopy) => copy.embargoId !== null && embargoes.get(copy.embargoId)?.ended === true;
    const outside = await this.outsideAudience(
      manager,
      memberId,
      held.filter((copy) => !ended(copy)),
      embargoes,
    );
    const withdrawn =
      (await this.withdraw(manager, `member:${memberId}`, held.filter(ended), EMBARGO_ENDED)) +
      (await this.withdraw(manager, `member:${memberId}`, outside, NOT_IN_AUDIENCE));
    const released = await this.copies.release(
      manager,
      held.filter((copy) => copy.sealed && !ended(copy) && !outside.includes(copy)).map((copy) => copy.id),
    );
    if (released.length > 0) {
      await this.audit.append(manager, {
        actor: 'system',
        action: 'post.copies_released',
        subject: `member:${memberId}`,
        details: { deliveries: released.map((copy) => ({ id: copy.id, postId: copy.postId })) },
      });
    }
    return { released: released.length, withdrawn };
  }

  /** Called as an embargo is lifted or broken, in that transaction: its held copies never go out. */
  async withdrawForEmbargo(manager: EntityManager, embargoId: string): Promise<number> {
    const held = await this.copies.heldUnder(manager, embargoId);
    return this.withdraw(manager, `embargo:${embargoId}`, held, EMBARGO_ENDED);
  }

  /** The copies of running embargoes whose audience, asked through the one rule, leaves the member out. */
  private async outsideAudience(
    manager: EntityManager,
    memberId: string,
    held: HeldCopy[],
    embargoes: Map<string, EmbargoCircumstances>,
  ): Promise<HeldCopy[]> {
    const underEmbargo = held.filter((copy) => copy.embargoId !== null && embargoes.has(copy.embargoId));
    const member = underEmbargo.length ? (await this.members.current(manager, [memberId])).get(memberId) : undefined;
    if (!member) return [];
    const currentPolicyVersion = await this.policy.of(manager);
    const now = new Date();
    return underEmbargo.filter((copy) => {
      const verdict = eligibility(member, { currentPolicyVersion, embargo: embargoes.get(copy.embargoId!) }, now);
      return !verdict.eligible && verdict.reason === 'NOT_IN_AUDIENCE';
    });
  }

  private async withdraw(manager: EntityManager, subject: string, held: HeldCopy[], reason: string): Promise<number> {
    const withdrawn = await this.copies.withdraw(
      manager,
      held.map((copy) => copy.id),
      reason,
    );
    if (withdrawn.length > 0) {
      await this.audit.append(manager, {
        actor: 'system',
        action: 'post.held_copies_withdrawn',
        subject,
        details: {
          reason,
          deliveries: withdrawn.map((copy) => ({ id: copy.id, postId: copy.postId, memberId: copy.memberId })),
        },
      });
    }
    return withdrawn.length;
  }
}
