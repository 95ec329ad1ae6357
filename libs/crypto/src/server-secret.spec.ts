import { randomBytes } from 'node:crypto';
import { ServerSecret } from './server-secret';

describe('ServerSecret.sealBytes', () => {
  const secret = ServerSecret.fromBytes(randomBytes(32));
  const canary = Buffer.from('CANARY-7f3a report body');

  it('opens what it sealed for the same purpose and context, and the sealed bytes do not hold the plaintext', () => {
    const sealed = secret.sealBytes('report', canary, 'row-1');
    expect(sealed.includes(Buffer.from('CANARY'))).toBe(false);
    expect(secret.openBytes('report', sealed, 'row-1')).toEqual(canary);
  });

  it('seals the same bytes differently each time (a fresh IV)', () => {
    expect(secret.sealBytes('report', canary, 'row-1')).not.toEqual(secret.sealBytes('report', canary, 'row-1'));
  });

  it('refuses another row, another purpose, another secret, a flipped bit and a cut value', () => {
    const sealed = secret.sealBytes('report', canary, 'row-1');
    expect(() => secret.openBytes('report', sealed, 'row-2')).toThrow();
    expect(() => secret.openBytes('inbound-report', sealed, 'row-1')).toThrow();
    expect(() => ServerSecret.fromBytes(randomBytes(32)).openBytes('report', sealed, 'row-1')).toThrow();
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 1] ^= 1;
    expect(() => secret.openBytes('report', flipped, 'row-1')).toThrow();
    expect(() => secret.openBytes('report', sealed.subarray(0, 20), 'row-1')).toThrow('not a sealed value');
  });
});
