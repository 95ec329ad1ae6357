import { checkPasswordPolicy, hashPassword, verifyPassword } from './password';

describe('maintainer passwords', () => {
  it('are hashed with argon2id', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^\$argon2id\$/);
    await expect(verifyPassword(hash, 'correct horse battery staple')).resolves.toBe(true);
    await expect(verifyPassword(hash, 'correct horse battery stapler')).resolves.toBe(false);
  });

  it('must be 12 to 200 characters, counted as characters rather than UTF-16 units', () => {
    expect(() => checkPasswordPolicy('short')).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', field: 'password' }),
    );
    expect(() => checkPasswordPolicy('x'.repeat(201))).toThrow(expect.objectContaining({ field: 'password' }));
    expect(() => checkPasswordPolicy('🔑'.repeat(11))).toThrow(expect.objectContaining({ field: 'password' }));
    expect(() => checkPasswordPolicy('twelve chars')).not.toThrow();
  });

  it('never match when there is no stored hash, whatever is typed', async () => {
    await expect(verifyPassword(null, 'decoy password, never matched')).resolves.toBe(false);
    await expect(verifyPassword(null, '')).resolves.toBe(false);
  });

  it('refuse a malformed stored hash instead of crashing', async () => {
    await expect(verifyPassword('not a hash', 'whatever it is')).resolves.toBe(false);
  });
});
