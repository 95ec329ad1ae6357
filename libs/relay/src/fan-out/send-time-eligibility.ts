/** What the claim reads about a copy's member as it is now, and the policy in force (null: none published). */
export interface SendTimeFacts {
  /** The fingerprint the copy's key packet was made for (null: made before it was recorded). */
  key_fingerprint: string | null;
  member_status: string;
  acknowledged_policy_version: number | null;
  key_expires_at: Date | null;
  member_key_fingerprint: string;
  current_policy: number | null;
}

/** A copy that must not go out now: skipped for good, or held until the member acknowledges the policy. */
export type Ineligible = { status: 'skipped' | 'held'; reason: string };

/**
 * Why this copy must not go out now, or null when it may (docs/architecture.md, invariant 2, "when
 * in doubt, refuse to send"): checked again at send time, since the member may have changed since
 * the fan-out.
 */
export function sendTimeRefusal(facts: SendTimeFacts, now: Date): Ineligible | null {
  if (facts.member_status !== 'active') return { status: 'skipped', reason: `member_${facts.member_status}` };
  if (facts.key_expires_at && new Date(facts.key_expires_at).getTime() <= now.getTime()) {
    return { status: 'skipped', reason: 'key_expired' };
  }
  // The key packet opens only for the key it was made for; a member who replaced its key (perhaps
  // because the old one leaked) must not be sent a copy the old key opens.
  if (facts.key_fingerprint && facts.key_fingerprint.toUpperCase() !== facts.member_key_fingerprint.toUpperCase()) {
    return { status: 'skipped', reason: 'key_changed' };
  }
  if (facts.current_policy === null || facts.acknowledged_policy_version !== facts.current_policy) {
    return { status: 'held', reason: 'policy_not_acknowledged' };
  }
  return null;
}
