import { AudienceRule, completeVerdict, copyFate, eligibility, MemberStanding, PostCircumstances } from './eligibility';
import { eligibilityParamsFrom, eligibilityParamValues, ineligibilitySql, onTheListSql } from './eligibility-sql';
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
const ME = '11111111-1111-4111-8111-111111111111';
const shipping = (products: string[]) => member({ memberId: ME, products });
/** A running embargo with this audience (issue 14). */
const audience = (rule: Partial<AudienceRule>): PostCircumstances =>
  post({ embargo: { ended: false, audience: { everyone: false, products: [], include: [], exclude: [], ...rule } } });

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
  ['audience of everyone', shipping([]), audience({ everyone: true }), 'eligible'],
  ['ships an affected product', shipping(['libfoo', 'openssl']), audience({ products: ['openssl'] }), 'eligible'],
  ['ships no affected product', shipping(['libfoo']), audience({ products: ['openssl'] }), 'NOT_IN_AUDIENCE'],
  ['ships nothing, the audience is its products', shipping([]), audience({ products: ['openssl'] }), 'NOT_IN_AUDIENCE'],
  ['an embargo with no products reaches nobody', shipping(['openssl']), audience({}), 'NOT_IN_AUDIENCE'],
  ['ships nothing, but the maintainers included it', shipping([]), audience({ include: [ME] }), 'eligible'],
  [
    'ships an affected product, but excluded',
    shipping(['openssl']),
    audience({ products: ['openssl'], exclude: [ME] }),
    'NOT_IN_AUDIENCE',
  ],
  [
    'excluded from an audience of everyone',
    shipping([]),
    audience({ everyone: true, exclude: [ME] }),
    'NOT_IN_AUDIENCE',
  ],
  ['someone else excluded', shipping(['openssl']), audience({ products: ['openssl'], exclude: ['x'] }), 'eligible'],
  [
    'outside the audience and suspended: the status comes first',
    member({ memberId: ME, status: 'suspended' }),
    audience({ products: ['openssl'] }),
    'MEMBER_SUSPENDED',
  ],
  [
    'outside the audience, copy sealed to a replaced key: the key comes first',
    shipping([]),
    { ...audience({}), sealedFor: 'B'.repeat(40) },
    'KEY_CHANGED',
  ],
  [
    'outside the audience of an ended embargo, not acknowledged: the audience comes first',
    member({ memberId: ME, acknowledgedPolicyVersion: 2 }),
    post({ embargo: { ended: true, audience: { everyone: false, products: ['x'], include: [], exclude: [] } } }),
    'NOT_IN_AUDIENCE',
  ],
  [
    'in the audience, not acknowledged: held',
    member({ memberId: ME, acknowledgedPolicyVersion: 2, products: ['x'] }),
    audience({ products: ['x'] }),
    'POLICY_NOT_ACKNOWLEDGED',
  ],
  [
    'a post with no audience rule is for everyone',
    shipping([]),
    post({ embargo: { ended: false, audience: null } }),
    'eligible',
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
    expect(copyFate({ eligible: false, reason: 'NOT_IN_AUDIENCE' })).toEqual({
      status: 'skipped',
      reason: 'not_in_audience',
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
    const sql = ineligibilitySql('x', eligibilityParamsFrom(4));
    for (const reason of [
      'MEMBER_SUSPENDED',
      'KEY_EXPIRED',
      'NOT_IN_AUDIENCE',
      'EMBARGO_ENDED',
      'POLICY_NOT_ACKNOWLEDGED',
    ]) {
      expect(sql).toContain(`THEN '${reason}'`);
    }
    expect(sql.indexOf("'NOT_IN_AUDIENCE'")).toBeLessThan(sql.indexOf("'EMBARGO_ENDED'"));
    expect(sql).not.toMatch(/KEY_UNUSABLE|KEY_CHANGED|\bm\.|:now|:policy|:audience/);
    expect(sql).toContain('x.key_expires_at <= $4::timestamptz');
    expect(sql).toContain('$6::boolean');
    expect(sql).toContain('x.id::text = ANY($10::text[])');
    expect(sql).toContain('x.products && $8::text[]');
    expect(onTheListSql('x', eligibilityParamsFrom(1))).toBe(
      "NOT (x.status = 'suspended' OR x.status = 'removed' OR x.status = 'banned')",
    );
  });
});

describe("the SQL form's parameters", () => {
  it('say everyone when the post names no audience, and carry the audience when it does', () => {
    expect(eligibilityParamValues(post(), now)).toEqual([now, 3, false, true, [], [], []]);
    const rule = { everyone: false, products: ['openssl'], include: ['a'], exclude: ['b'] };
    expect(eligibilityParamValues(post({ embargo: { ended: true, audience: rule } }), now)).toEqual([
      now,
      3,
      true,
      false,
      ['openssl'],
      ['a'],
      ['b'],
    ]);
  });
});
