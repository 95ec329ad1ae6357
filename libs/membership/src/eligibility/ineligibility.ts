/**
 * Why a member may not receive a post now: the one vocabulary of docs/architecture.md, invariant 2,
 * used at fan-out, when a copy is claimed to be sent, and when held mail is released.
 *
 * Each reason says what becomes of the member's copy: `skipped` for good, or `held` until the
 * member can have it (HeldMail releases it then). `recorded` is the word stored in
 * `post_delivery.reason` and audited; it predates this catalogue and stays as it is, since
 * maintainers' pages, notices and older audit entries read it. `scope` says what the reason is
 * about: `member` reasons mean the member is not on the list now (fan-out does not list it as
 * skipped at all), `key` and `post` reasons are recorded per copy.
 */
export const INELIGIBILITY = {
  MEMBER_SUSPENDED: { scope: 'member', copy: 'skipped', recorded: 'member_suspended', words: 'is suspended' },
  MEMBER_REMOVED: { scope: 'member', copy: 'skipped', recorded: 'member_removed', words: 'was removed' },
  MEMBER_BANNED: { scope: 'member', copy: 'skipped', recorded: 'member_banned', words: 'is banned' },
  KEY_EXPIRED: { scope: 'key', copy: 'skipped', recorded: 'key_expired', words: 'key has expired' },
  KEY_UNUSABLE: { scope: 'key', copy: 'skipped', recorded: 'key_unusable', words: 'key cannot be encrypted to' },
  KEY_CHANGED: {
    scope: 'key',
    copy: 'skipped',
    recorded: 'key_changed',
    words: 'key was replaced after the post was queued',
  },
  NOT_IN_AUDIENCE: {
    scope: 'post',
    copy: 'skipped',
    recorded: 'not_in_audience',
    words: "is not in the embargo's audience",
  },
  EMBARGO_ENDED: {
    scope: 'post',
    copy: 'skipped',
    recorded: 'embargo_ended',
    words: 'has not acknowledged the current Embargo Policy, and the embargo has ended',
  },
  POLICY_NOT_ACKNOWLEDGED: {
    scope: 'post',
    copy: 'held',
    recorded: 'policy_not_acknowledged',
    words: 'has not acknowledged the current Embargo Policy',
  },
} as const satisfies Record<
  string,
  { scope: 'member' | 'key' | 'post'; copy: 'skipped' | 'held'; recorded: string; words: string }
>;

export type Ineligibility = keyof typeof INELIGIBILITY;

/** The words stored for a reason (`post_delivery.reason`). */
export type RecordedIneligibility = (typeof INELIGIBILITY)[Ineligibility]['recorded'];

export const ineligibilities = Object.keys(INELIGIBILITY) as Ineligibility[];

/** The reason stored as `recorded`, or null for a word that is not an eligibility reason (`bounced`, …). */
export function ineligibilityRecordedAs(recorded: string): Ineligibility | null {
  return ineligibilities.find((reason) => INELIGIBILITY[reason].recorded === recorded) ?? null;
}
