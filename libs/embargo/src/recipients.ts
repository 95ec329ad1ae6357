import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { MemberKey } from '@cordon/crypto';
import {
  completeVerdict,
  EligibilityCandidate,
  INELIGIBILITY,
  MemberEligibilityQueries,
  PostCircumstances,
  RecordedIneligibility,
} from '@cordon/membership';
import { Policies } from '@cordon/policy';

export interface Recipient {
  memberId: string;
  email: string;
  key: MemberKey;
  fingerprint: string;
}

export { canEncryptAt } from '@cordon/crypto';
export type { KeyRefusal } from '@cordon/crypto';
/** Why a member on the list does not get a post, in the words stored with its copy. */
export type SkipReason = RecordedIneligibility;

export interface Skipped {
  memberId: string;
  email: string;
  reason: SkipReason;
}

export interface RecipientSelection {
  recipients: Recipient[];
  /**
   * Active members with a usable key who have not acknowledged the current policy: their copies
   * are made but held (HeldMail), and go out once they acknowledge.
   */
  held: Recipient[];
  /** Approved members who will not get this post, and why (shown to maintainers). */
  skipped: Skipped[];
}

/**
 * Who may receive embargoed information, list mail and embargo notices alike (docs/architecture.md,
 * invariant 2). The rule is membership's (`eligibility`, in libs/membership/src/eligibility): its set
 * form picks the members on the list and gives each the database's verdict; this adds what only a
 * parsed key can tell. Keys are cached by fingerprint, as MemberKeys (what is needed of a key once
 * it is parsed and checked, not the parsed key: issue 15): checking a key's self-signatures costs
 * about a millisecond, paid once per key rather than once per post. The cache holds the text it
 * parsed, so a key stored anew under the same fingerprint (a new expiry or user ID, as a changed
 * address brings) is parsed again rather than judged as the copy read before.
 */
@Injectable()
export class RecipientSelector {
  private readonly keys = new Map<string, MemberKey>();
  private readonly members = new MemberEligibilityQueries();

  constructor(private readonly policies: Policies) {}

  /**
   * With `embargo` (its circumstances: EmbargoAudiences), only the members of its audience are
   * selected (the others are skipped, `not_in_audience`), and a post of an embargo that has ended is
   * not held for members yet to acknowledge the policy: they are skipped (`embargo_ended`). Without
   * it (mail of no embargo), every member on the list is, and those yet to acknowledge are held.
   */
  async select(
    manager: EntityManager,
    now = new Date(),
    embargo?: PostCircumstances['embargo'],
  ): Promise<RecipientSelection> {
    const policy = await this.policies.current(manager);
    const post = { currentPolicyVersion: policy.version, embargo };
    const candidates = await this.members.candidates(manager, post, now);
    const selection: RecipientSelection = { recipients: [], held: [], skipped: [] };
    for (const candidate of candidates) {
      const key = await this.keyOf(candidate, now);
      const keyCanEncrypt = key ? await key.canEncryptAt(now) : 'key_unusable';
      const verdict = completeVerdict(
        candidate.verdict,
        { ...candidate, keyCanEncrypt: keyCanEncrypt === true ? true : keyReasons[keyCanEncrypt] },
        post,
        now,
      );
      const recipient = {
        memberId: candidate.memberId,
        email: candidate.email,
        key: key!,
        fingerprint: candidate.keyFingerprint,
      };
      if (verdict.eligible) selection.recipients.push(recipient);
      else if (INELIGIBILITY[verdict.reason].copy === 'held') selection.held.push(recipient);
      else
        selection.skipped.push({
          memberId: candidate.memberId,
          email: candidate.email,
          reason: INELIGIBILITY[verdict.reason].recorded,
        });
    }
    return selection;
  }

  private async keyOf(candidate: EligibilityCandidate, now: Date): Promise<MemberKey | null> {
    const cached = this.keys.get(candidate.keyFingerprint);
    if (cached?.armored === candidate.keyArmored) return cached;
    try {
      const key = await MemberKey.read(candidate.keyArmored, now);
      this.keys.set(candidate.keyFingerprint, key);
      return key;
    } catch {
      return null;
    }
  }
}

const keyReasons = { key_expired: 'KEY_EXPIRED', key_unusable: 'KEY_UNUSABLE' } as const;
