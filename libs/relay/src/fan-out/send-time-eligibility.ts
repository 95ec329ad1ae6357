import { EntityManager } from 'typeorm';
import { DomainError } from '@cordon/errors';
import { EmbargoAudiences, EmbargoCircumstances } from '@cordon/embargo';
import { copyFate, CurrentMember, eligibility, MemberEligibilityQueries, Verdict } from '@cordon/membership';
import { Policies } from '@cordon/policy';

/** A claimed copy, as the check needs it. */
export interface CopyToCheck {
  memberId: string;
  /** The fingerprint the copy's key packet was made for (null: made before it was recorded). */
  keyFingerprint: string | null;
  /** The embargo of the copy's post, if it names one: the copy goes only to that embargo's audience. */
  embargoId?: string | null;
}

/** A copy that must not go out now: skipped for good, or held until the member acknowledges the policy. */
export type Ineligible = { status: 'skipped' | 'held'; reason: string };

/** The verdict on one copy, and the member's address as it is now (the copy goes there). */
export interface SendTimeVerdict {
  verdict: Verdict;
  /** Null when the verdict is eligible; otherwise what becomes of the copy. */
  refusal: Ineligible | null;
  email: string | null;
}

/**
 * The check made again when copies are claimed to be sent, since the member may have changed since
 * the fan-out (docs/architecture.md, invariant 2, "when in doubt, refuse to send"). The rule is
 * membership's `eligibility`; this reads the members and the policy in force through their owners,
 * in the claim's transaction, once per batch.
 *
 * The post's embargo is asked about for its audience (issue 14): a member the maintainers took out
 * of it, or that no longer ships an affected product, gets no copy not yet sent. Whether it ended is
 * not asked: a copy held here because the member has not acknowledged a new version is withdrawn
 * when held mail is released if its embargo has ended by then (HeldMail).
 */
export class SendTimeEligibility {
  private readonly members = new MemberEligibilityQueries();
  private readonly audiences = new EmbargoAudiences();

  constructor(private readonly policies: Policies) {}

  async check(manager: EntityManager, copies: CopyToCheck[], now: Date): Promise<SendTimeVerdict[]> {
    if (copies.length === 0) return [];
    const currentPolicyVersion = await this.currentPolicyVersion(manager);
    const members = await this.members.current(
      manager,
      copies.map((copy) => copy.memberId),
    );
    const embargoes = await this.audiences.circumstances(
      manager,
      copies.flatMap((copy) => copy.embargoId ?? []),
    );
    return copies.map((copy) => {
      const member = members.get(copy.memberId);
      const embargo = copy.embargoId ? embargoes.get(copy.embargoId) : undefined;
      const verdict = member ? verdictFor(member, copy, currentPolicyVersion, embargo, now) : GONE;
      const fate = copyFate(verdict);
      return { verdict, refusal: fate.status === 'pending' ? null : fate, email: member?.email ?? null };
    });
  }

  private async currentPolicyVersion(manager: EntityManager): Promise<number | null> {
    try {
      return (await this.policies.current(manager)).version;
    } catch (error) {
      // None published: nobody has acknowledged the current version, so every copy is held.
      if (error instanceof DomainError && error.code === 'WRONG_STATE') return null;
      throw error;
    }
  }
}

/** Members are never deleted (a removed one keeps its row); a copy whose member is not found goes nowhere. */
const GONE: Verdict = { eligible: false, reason: 'MEMBER_REMOVED' };
const OUTSIDE_AUDIENCE: Verdict = { eligible: false, reason: 'NOT_IN_AUDIENCE' };

function verdictFor(
  member: CurrentMember,
  copy: CopyToCheck,
  currentPolicyVersion: number | null,
  embargo: EmbargoCircumstances | undefined,
  now: Date,
) {
  // An embargo named but not found tells no audience: when in doubt, refuse to send.
  if (copy.embargoId && !embargo) return OUTSIDE_AUDIENCE;
  // Its audience only: whether it ended is HeldMail's to act on (see above).
  const audience = embargo && { ended: false, audience: embargo.audience };
  return eligibility(member, { currentPolicyVersion, sealedFor: copy.keyFingerprint, embargo: audience }, now);
}
