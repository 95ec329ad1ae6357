import { completeVerdict, copyFate, eligibility, MemberStanding, PostCircumstances } from './eligibility';
import { ineligibilitySql, onTheListSql } from './eligibility-sql';
import { INELIGIBILITY, Ineligibility, ineligibilityRecordedAs } from './ineligibility';

const now = new Date('2026-06-01T12:00:00Z');
const hourAgo = new Date(now.getTime() - 3_600_000);
const nextYear = new Date('2027-06-01T12:00:00Z');
const FPR = 'A'.repeat(40);

const member = (changes: Partial<MemberStanding> = {}): MemberStanding => ({
  status: 'active',
  keyFingerprint: FPR,
  keyExpiresAt: nextYear,
  acknowledgedPolicyVersion: 3,
  ...changes,
});
const post = (changes: Partial<PostCircumstances> = {}): PostCircumstances => ({ currentPolicyVersion: 3, ...changes });

// docs/architecture.md, invariant 2: each member state, and the verdict the one rule gives.
const table: [string, MemberStanding, PostCircumstances, Ineligibility | 'eligible'][] = [
  ['active, valid key, current policy acknowledged', member(), post(), 'eligible'],
  ['a key that never expires', member({ keyExpiresAt: null }), post(), 'eligible'],
  ['suspended', member({ status: 'suspended' }), post(), 'MEMBER_SUSPENDED'],
  ['removed', member({ status: 'removed' }), post(), 'MEMBER_REMOVED'],
  ['banned', member({ status: 'banned' }), post(), 'MEMBER_BANNED'],
  [
    'suspended, and its key expired: the status comes first',
    member({ status: 'suspended', keyExpiresAt: hourAgo }),
    post(),
    'MEMBER_SUSPENDED',
  ],
  ['key expired an hour ago', member({ keyExpiresAt: hourAgo }), post(), 'KEY_EXPIRED'],
  ['key expires this very moment', member({ keyExpiresAt: now }), post(), 'KEY_EXPIRED'],
  ['parsing says the key has expired', member({ keyCanEncrypt: 'KEY_EXPIRED' }), post(), 'KEY_EXPIRED'],
  ['parsing says the key cannot encrypt', member({ keyCanEncrypt: 'KEY_UNUSABLE' }), post(), 'KEY_UNUSABLE'],
  ['parsing says the key can encrypt', member({ keyCanEncrypt: true }), post(), 'eligible'],
  ['copy sealed to a key since replaced', member(), post({ sealedFor: 'B'.repeat(40) }), 'KEY_CHANGED'],
  ['copy sealed to its key, told in lower case', member(), post({ sealedFor: FPR.toLowerCase() }), 'eligible'],
  [
    'key expired and replaced: expiry comes first',
    member({ keyExpiresAt: hourAgo }),
    post({ sealedFor: 'B'.repeat(40) }),
    'KEY_EXPIRED',
  ],
  ['never acknowledged', member({ acknowledgedPolicyVersion: null }), post(), 'POLICY_NOT_ACKNOWLEDGED'],
  ['acknowledged an older version', member({ acknowledgedPolicyVersion: 2 }), post(), 'POLICY_NOT_ACKNOWLEDGED'],
  [
    'no policy published',
    member({ acknowledgedPolicyVersion: null }),
    post({ currentPolicyVersion: null }),
    'POLICY_NOT_ACKNOWLEDGED',
  ],
  [
    'not acknowledged, embargo running',
    member({ acknowledgedPolicyVersion: 2 }),
    post({ embargo: { ended: false } }),
    'POLICY_NOT_ACKNOWLEDGED',
  ],
  [
    'not acknowledged, embargo ended',
    member({ acknowledgedPolicyVersion: 2 }),
    post({ embargo: { ended: true } }),
    'EMBARGO_ENDED',
  ],
  ['acknowledged, embargo ended: still receives', member(), post({ embargo: { ended: true } }), 'eligible'],
  [
    'not acknowledged, key unusable: the key comes first',
    member({ acknowledgedPolicyVersion: null, keyCanEncrypt: 'KEY_UNUSABLE' }),
    post({ embargo: { ended: true } }),
    'KEY_UNUSABLE',
  ],
];

describe('eligibility: may this member receive this post now', () => {
  it.each(table)('%s', (_name, standing, circumstances, expected) => {
    expect(eligibility(standing, circumstances, now)).toEqual(
      expected === 'eligible' ? { eligible: true } : { eligible: false, reason: expected },
    );
  });

  it('gives each copy the fate its reason names, with the word stored before this vocabulary', () => {
    expect(copyFate({ eligible: true })).toEqual({ status: 'pending' });
    expect(copyFate({ eligible: false, reason: 'POLICY_NOT_ACKNOWLEDGED' })).toEqual({
      status: 'held',
      reason: 'policy_not_acknowledged',
    });
    expect(copyFate({ eligible: false, reason: 'MEMBER_SUSPENDED' })).toEqual({
      status: 'skipped',
      reason: 'member_suspended',
    });
    expect(ineligibilityRecordedAs('key_changed')).toBe('KEY_CHANGED');
    expect(ineligibilityRecordedAs('bounced')).toBeNull();
    expect(new Set(Object.values(INELIGIBILITY).map((r) => r.recorded)).size).toBe(Object.keys(INELIGIBILITY).length);
  });

  it('completes a database verdict with the rules only a parsed key or a copy tells, in order', () => {
    const unusable = member({ acknowledgedPolicyVersion: 2, keyCanEncrypt: 'KEY_UNUSABLE' });
    expect(completeVerdict({ eligible: false, reason: 'POLICY_NOT_ACKNOWLEDGED' }, unusable, post(), now)).toEqual({
      eligible: false,
      reason: 'KEY_UNUSABLE',
    });
    expect(completeVerdict({ eligible: false, reason: 'KEY_EXPIRED' }, unusable, post(), now)).toEqual({
      eligible: false,
      reason: 'KEY_EXPIRED',
    });
    expect(completeVerdict({ eligible: true }, member(), post({ sealedFor: 'C'.repeat(40) }), now)).toEqual({
      eligible: false,
      reason: 'KEY_CHANGED',
    });
  });

  it('writes the set form from the same rules, on the alias and parameters of the caller', () => {
    const sql = ineligibilitySql('x', { now: 4, policy: 5, embargoEnded: 6 });
    for (const reason of ['MEMBER_SUSPENDED', 'KEY_EXPIRED', 'EMBARGO_ENDED', 'POLICY_NOT_ACKNOWLEDGED']) {
      expect(sql).toContain(`THEN '${reason}'`);
    }
    expect(sql).not.toMatch(/KEY_UNUSABLE|KEY_CHANGED|\bm\.|:now|:policy/);
    expect(sql).toContain('x.key_expires_at <= $4::timestamptz');
    expect(sql).toContain('$6::boolean');
    expect(onTheListSql('x', { now: 1, policy: 2, embargoEnded: 3 })).toBe(
      "NOT (x.status = 'suspended' OR x.status = 'removed' OR x.status = 'banned')",
    );
  });
});
