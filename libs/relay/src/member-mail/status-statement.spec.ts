import { parseStatusStatement } from './status-statement';

describe('a status statement mailed to -ack', () => {
  it.each([
    ['Status EMB-3: affected', { number: 3, input: { status: 'affected' } }],
    ['Hello,\n\n  status emb-12 :  Not   Affected  \n\nRegards', { number: 12, input: { status: 'not_affected' } }],
    [
      'Status EMB-3: fixed in 2:1.4-3ubuntu0.2',
      { number: 3, input: { status: 'fixed', fixedVersion: '2:1.4-3ubuntu0.2' } },
    ],
  ])('reads %j', (text, parsed) => {
    expect(parseStatusStatement(text)).toEqual(parsed);
  });

  it('reads a moment to publish in the zone it names', () => {
    expect(parseStatusStatement('Status EMB-3: will publish at 2027-01-10 14:00 Europe/Berlin')).toEqual({
      number: 3,
      input: { status: 'will_publish', publishAt: new Date('2027-01-10T13:00:00Z') },
      zone: 'Europe/Berlin',
    });
  });

  it.each([
    ['Status EMB-3: pwned'],
    ['Status EMB-3: will publish at tomorrow'],
    ['Status EMB-3: will publish at 2027-01-10 14:00 Mars/Olympus'],
    ['Status EMB-3: will publish at 2027-13-10 14:00 UTC'],
    ['Status EMB-3: affected\nStatus EMB-4: not affected'],
  ])('cannot read %j, and says why', (text) => {
    expect(parseStatusStatement(text)).toEqual({ error: expect.any(String) });
  });
});
