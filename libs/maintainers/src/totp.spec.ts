import { Secret, TOTP } from 'otpauth';
import { checkCode, newTotpSecret, normaliseCode, totpOf } from './totp';

describe('TOTP codes', () => {
  const secret = newTotpSecret();
  const now = Date.UTC(2030, 0, 1, 12, 0, 10);
  const codeAt = (timestamp: number) => totpOf(secret).generate({ timestamp });
  const stepAt = (timestamp: number) => Math.floor(timestamp / 30_000);

  it('makes a fresh 160-bit base32 secret each time', () => {
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(secret);
  });

  it('matches what an authenticator app computes (SHA1, 6 digits, 30 s)', () => {
    const app = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
    expect(checkCode(secret, app.generate({ timestamp: now }), null, now)).toEqual({ ok: true, step: stepAt(now) });
  });

  it('accepts the codes one step either side, and names the step they belong to', () => {
    expect(checkCode(secret, codeAt(now - 30_000), null, now)).toEqual({ ok: true, step: stepAt(now) - 1 });
    expect(checkCode(secret, codeAt(now + 30_000), null, now)).toEqual({ ok: true, step: stepAt(now) + 1 });
  });

  it('refuses codes two steps away', () => {
    expect(checkCode(secret, codeAt(now - 60_000), null, now)).toEqual({ ok: false, reason: 'wrong_code' });
    expect(checkCode(secret, codeAt(now + 60_000), null, now)).toEqual({ ok: false, reason: 'wrong_code' });
  });

  it('refuses a replayed code, and an older one, once a step has been used', () => {
    const used = stepAt(now);
    expect(checkCode(secret, codeAt(now), used, now)).toEqual({ ok: false, reason: 'replayed_code' });
    expect(checkCode(secret, codeAt(now - 30_000), used, now)).toEqual({ ok: false, reason: 'replayed_code' });
    expect(checkCode(secret, codeAt(now + 30_000), used, now)).toEqual({ ok: true, step: used + 1 });
  });

  it('reads codes typed with a space in the middle', () => {
    expect(normaliseCode(' 123 456 ')).toBe('123456');
  });
});
