import { ListAddresses } from './list-addresses';

describe('the list addresses', () => {
  const addresses = new ListAddresses('Distributors@Example.org');

  it('derives the list, owner, sendkey, bounces, ack, leaks and report addresses from LIST_ADDRESS', () => {
    expect([
      addresses.list,
      addresses.owner,
      addresses.sendkey,
      addresses.bounces,
      addresses.ack,
      addresses.leaks,
      addresses.report,
    ]).toEqual([
      'distributors@example.org',
      'distributors-owner@example.org',
      'distributors-sendkey@example.org',
      'distributors-bounces@example.org',
      'distributors-ack@example.org',
      'distributors-leaks@example.org',
      'distributors-report@example.org',
    ]);
  });

  it.each([
    ['distributors@example.org', 'list'],
    ['DISTRIBUTORS@EXAMPLE.ORG', 'list'],
    ['distributors-owner@example.org', 'owner'],
    ['distributors-sendkey@Example.Org', 'sendkey'],
    ['distributors-bounces@example.org', 'bounces'],
    ['distributors-ack@example.org', 'ack'],
    ['Distributors-Leaks@example.org', 'leaks'],
    ['distributors-REPORT@example.org', 'report'],
  ])('classifies %s as %s', (address, kind) => {
    expect(addresses.classify(address)).toEqual({ kind, verpToken: null });
  });

  it('finds the VERP token of a bounce, keeping its case', () => {
    expect(addresses.classify('distributors-bounces+m=AbC_12.x-9@example.org')).toEqual({
      kind: 'bounces',
      verpToken: 'm=AbC_12.x-9',
    });
  });

  it('builds VERP return paths that it classifies back to the same token', () => {
    const address = addresses.bounceAddress('0f3a=member.example.net');
    expect(address).toBe('distributors-bounces+0f3a=member.example.net@example.org');
    expect(addresses.classify(address)).toEqual({ kind: 'bounces', verpToken: '0f3a=member.example.net' });
    expect(() => addresses.bounceAddress('has space')).toThrow(/VERP token/);
    expect(() => addresses.bounceAddress('')).toThrow(/VERP token/);
  });

  it.each([
    'someone@example.org',
    'distributors@example.net',
    'distributors@sub.example.org',
    'distributors-request@example.org',
    'distributors+tag@example.org',
    'distributors-owner+x@example.org',
    'distributors-ack+x@example.org',
    'distributors-leak@example.org',
    'distributors-acks@example.org',
    'distributors-reports@example.org',
    'distributors-report+x@example.org',
    'distributors-bounces+@example.org',
    'distributors-bounces+a b@example.org',
    'distributors-bounces+a@b@example.org',
    `distributors-bounces+${'x'.repeat(129)}@example.org`,
    'xdistributors@example.org',
    'distributors',
    '@example.org',
    '',
  ])('knows nothing of %j', (address) => {
    expect(addresses.classify(address)).toBeNull();
  });
});
