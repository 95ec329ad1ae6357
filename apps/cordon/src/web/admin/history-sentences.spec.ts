import { historySentence } from './history-sentences';

describe("a member's history in sentences", () => {
  it.each([
    [
      'policy.acknowledged',
      { version: 3, sha256: 'ab', how: 'signed_mail' },
      'Acknowledged the Embargo Policy, version 3 (signed mail).',
    ],
    ['member.strike_added', { leakReportId: 'x', strikes: 2 }, 'A confirmed leak counted against it (strike 2).'],
    [
      'member.key_expiry_warned',
      { expiresAt: '2027-01-31', daysBefore: 7 },
      'Was warned that its key expires on 2027-01-31 (7 days before).',
    ],
  ])('tells %s as a sentence', (action, details, sentence) => {
    expect(historySentence(action, details)).toBe(sentence);
  });

  it('tells an action it does not know in words, with its facts', () => {
    expect(historySentence('member.frobnicated', { keyFingerprint: 'ABC', count: 2, none: null })).toBe(
      'Member frobnicated (key fingerprint ABC, count 2).',
    );
  });

  it('takes an action named like an Object property for an unknown action, not for a function of Object', () => {
    expect(historySentence('constructor', {})).toBe('Constructor.');
    expect(historySentence('__proto__', {})).toBe('Proto.');
  });
});
