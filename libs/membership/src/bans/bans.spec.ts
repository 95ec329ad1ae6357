import { normalisedBanValue } from './bans';

describe('normalisedBanValue', () => {
  it.each([
    ['Leaky Org', 'leakyorg'],
    ['  leaky   ORG ', 'leakyorg'],
    ['Leaky-Org', 'leakyorg'],
    ['Leaky, Org.', 'leakyorg'],
    ['ＬＥＡＫＹ　Ｏｒｇ', 'leakyorg'], // full-width letters and space (NFKC)
    ['Ünïcode GmbH', 'ünïcodegmbh'],
    ['Distro 2', 'distro2'],
    ['---', ''],
  ])('compares organisation %j as %j', (given, expected) => {
    expect(normalisedBanValue('organisation', given)).toBe(expected);
  });

  it('compares addresses without regard to case or surrounding space', () => {
    expect(normalisedBanValue('email', ' Security@Leaky.Example ')).toBe('security@leaky.example');
  });

  it('compares fingerprints as upper-case hex without spaces', () => {
    expect(normalisedBanValue('fingerprint', 'abcd 1234 EF56')).toBe('ABCD1234EF56');
  });
});
