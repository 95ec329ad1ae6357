import { acknowledgementStatement, PolicyVersion } from '@cordon/policy';
import { namesCurrentPolicy } from './acknowledgement-mail';

describe('what a mailed acknowledgement must say', () => {
  const policy = { version: 3, sha256: 'ab'.repeat(32) } as PolicyVersion;
  const addresses = ['distributors@example.org', 'distributors-ack@example.org'];

  it('counts the statement Cordon asks for', () => {
    expect(namesCurrentPolicy(acknowledgementStatement(policy, addresses[0]), policy, addresses)).toBe(true);
  });

  it('counts a statement naming the -ack address and the version by its hash', () => {
    expect(namesCurrentPolicy(`Agreed, ${'AB'.repeat(32)} -- to Distributors-Ack@example.org`, policy, addresses)).toBe(
      true,
    );
  });

  it.each([
    ['a signed mail about something else', 'Here is my patch for the overflow.'],
    ['another version', 'I acknowledge version 2 of the Embargo Policy of distributors@example.org.'],
    ['a longer version number', 'I acknowledge version 30 of the Embargo Policy of distributors@example.org.'],
    ['another list', 'I acknowledge version 3 of the Embargo Policy of other@example.org.'],
  ])('does not count %s', (_name, text) => {
    expect(namesCurrentPolicy(text, policy, addresses)).toBe(false);
  });
});
