import { MemberStatus } from '../entities/member.entity';
import { INELIGIBILITY, Ineligibility } from './ineligibility';

/** What the rule reads about a member, as it is at the moment asked about. */
export interface MemberStanding {
  status: MemberStatus;
  /** The member's key as stored now (uppercase hex). */
  keyFingerprint: string;
  keyExpiresAt: Date | null;
  acknowledgedPolicyVersion: number | null;
  /**
   * What parsing the key said, when the caller parsed it (fan-out does, to make key packets; the
   * database cannot): a key can be unusable (revoked, no encryption subkey) whatever its expiry.
   */
  keyCanEncrypt?: true | 'KEY_EXPIRED' | 'KEY_UNUSABLE';
  /** Who the member is and the products it ships: what an embargo's audience reads (issue 14). */
  memberId?: string;
  products?: string[];
}

/**
 * Who an embargo's mail is for (issue 14): every member, or those shipping one of its affected
 * products, plus the members the maintainers included and minus those they excluded. A member is
 * in it iff not excluded AND (everyone OR included OR it ships one of `products`).
 */
export interface AudienceRule {
  everyone: boolean;
  /** The affected products, normalised (normaliseProducts). */
  products: string[];
  /** Member ids picked in, and picked out. */
  include: string[];
  exclude: string[];
}

/** True when the member is in the audience; a post with no audience rule is for everyone. */
export function inAudience(member: Pick<MemberStanding, 'memberId' | 'products'>, audience?: AudienceRule | null) {
  if (!audience) return true;
  const id = member.memberId;
  if (id !== undefined && audience.exclude.includes(id)) return false;
  if (audience.everyone || (id !== undefined && audience.include.includes(id))) return true;
  return (member.products ?? []).some((product) => audience.products.includes(product));
}

/** What the rule reads about the post the member would receive. */
export interface PostCircumstances {
  /** The policy version in force; null when none is published (then nobody has acknowledged it). */
  currentPolicyVersion: number | null;
  /** The post's embargo; null or absent when the post names none, or the caller does not ask. */
  embargo?: { ended: boolean; audience?: AudienceRule | null } | null;
  /**
   * The key a copy's key packet was made for, once there is a copy (send time; absent at fan-out):
   * a member who replaced its key (perhaps because the old one leaked) must not be sent a copy the
   * old key opens.
   */
  sealedFor?: string | null;
}

export type Verdict = { eligible: true } | { eligible: false; reason: Ineligibility };

/**
 * One rule, told from what the member row and the post say (`row`, with the same test in SQL over
 * the member row `m` and the parameters `:now`, `:policy`, `:embargoEnded` and the audience's
 * `:audienceAll`, `:audienceProducts`, `:audienceInclude`, `:audienceExclude`: see eligibility-sql.ts),
 * from what only a caller can tell (`caller`: a parsed key, a copy's key packet), or both. The order
 * is the order of the reasons: the first rule that refuses gives the verdict.
 */
export interface EligibilityRule {
  reason: Ineligibility;
  row?: { refuses(member: MemberStanding, post: PostCircumstances, now: Date): boolean; sql: string };
  caller?(member: MemberStanding, post: PostCircumstances, now: Date): boolean;
}

/** Every status but `active` keeps the member off the list, each with its own reason. */
const statusReasons: Record<Exclude<MemberStatus, 'active'>, Ineligibility> = {
  suspended: 'MEMBER_SUSPENDED',
  removed: 'MEMBER_REMOVED',
  banned: 'MEMBER_BANNED',
};

function acknowledged(member: MemberStanding, post: PostCircumstances): boolean {
  return post.currentPolicyVersion !== null && member.acknowledgedPolicyVersion === post.currentPolicyVersion;
}

// Never NULL (a member that never acknowledged has a NULL version): a CASE branch on NULL would not refuse.
const ACKNOWLEDGED_SQL =
  '(:policy::integer IS NOT NULL AND m.acknowledged_policy_version IS NOT DISTINCT FROM :policy::integer)';

/**
 * The rule of docs/architecture.md, invariant 2, in order. To extend it (an audience per embargo,
 * say), add its reason to INELIGIBILITY and a rule here, with its SQL when the member row tells it:
 * the unit table and the property test (test/eligibility.e2e.ts) then hold both forms to it.
 */
export const ELIGIBILITY_RULES: readonly EligibilityRule[] = [
  ...Object.entries(statusReasons).map(([status, reason]) => ({
    reason,
    row: { refuses: (member: MemberStanding) => member.status === status, sql: `m.status = '${status}'` },
  })),
  {
    reason: 'KEY_EXPIRED',
    row: {
      refuses: (member, _post, now) =>
        member.keyExpiresAt !== null && new Date(member.keyExpiresAt).getTime() <= now.getTime(),
      sql: '(m.key_expires_at IS NOT NULL AND m.key_expires_at <= :now::timestamptz)',
    },
    caller: (member) => member.keyCanEncrypt === 'KEY_EXPIRED',
  },
  { reason: 'KEY_UNUSABLE', caller: (member) => member.keyCanEncrypt === 'KEY_UNUSABLE' },
  {
    reason: 'KEY_CHANGED',
    caller: (member, post) => !!post.sealedFor && post.sealedFor.toUpperCase() !== member.keyFingerprint.toUpperCase(),
  },
  {
    // Without an audience rule (no embargo, or a caller that does not ask) the SQL parameters say everyone.
    reason: 'NOT_IN_AUDIENCE',
    row: {
      refuses: (member, post) => !inAudience(member, post.embargo?.audience),
      sql: `(m.id::text = ANY(:audienceExclude::text[]) OR NOT (:audienceAll::boolean
        OR m.id::text = ANY(:audienceInclude::text[]) OR m.products && :audienceProducts::text[]))`,
    },
  },
  {
    // A post whose embargo has ended is never held for an acknowledgement that may come later.
    reason: 'EMBARGO_ENDED',
    row: {
      refuses: (member, post) => post.embargo?.ended === true && !acknowledged(member, post),
      sql: `(:embargoEnded::boolean AND NOT ${ACKNOWLEDGED_SQL})`,
    },
  },
  {
    reason: 'POLICY_NOT_ACKNOWLEDGED',
    row: { refuses: (member, post) => !acknowledged(member, post), sql: `NOT ${ACKNOWLEDGED_SQL}` },
  },
];

const ELIGIBLE: Verdict = { eligible: true };

/**
 * May this member receive this post now, and if not, why (docs/architecture.md, invariant 2):
 * the one rule, asked at fan-out, when a copy is claimed to be sent, and when held mail is released.
 */
export function eligibility(member: MemberStanding, post: PostCircumstances, now: Date): Verdict {
  const refusing = ELIGIBILITY_RULES.find(
    (rule) => rule.row?.refuses(member, post, now) || rule.caller?.(member, post, now),
  );
  return refusing ? { eligible: false, reason: refusing.reason } : ELIGIBLE;
}

/**
 * Completes a verdict the database gave (the SQL form, which cannot tell every rule) with the rules
 * only the caller can tell: the first refusing rule, in order, still gives the verdict.
 */
export function completeVerdict(
  fromDatabase: Verdict,
  member: MemberStanding,
  post: PostCircumstances,
  now: Date,
): Verdict {
  for (const rule of ELIGIBILITY_RULES) {
    if (!fromDatabase.eligible && rule.reason === fromDatabase.reason) return fromDatabase;
    if (rule.caller?.(member, post, now)) return { eligible: false, reason: rule.reason };
  }
  return fromDatabase;
}

/** What becomes of a copy for this verdict: sent, or held or skipped with the word stored for its reason. */
export function copyFate(verdict: Verdict): { status: 'pending' } | { status: 'held' | 'skipped'; reason: string } {
  if (verdict.eligible) return { status: 'pending' };
  const { copy, recorded } = INELIGIBILITY[verdict.reason];
  return { status: copy, reason: recorded };
}
