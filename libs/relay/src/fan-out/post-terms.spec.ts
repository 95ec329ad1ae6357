import { postTerms, termsPart, TermsEmbargo } from './post-terms';

// What every copy of an embargoed post says of its terms (issue 14; README, "Terms in every copy").
describe('postTerms', () => {
  const embargo: TermsEmbargo = {
    id: '9b2f0c1e-3f4a-4b6c-8d7e-1a2b3c4d5e6f',
    number: 3,
    title: 'Overflow in libfoo',
    publicAt: new Date('2027-01-10T13:00:00Z'),
    timeZone: 'Europe/Berlin',
    cveIds: ['CVE-2026-1234', 'CVE-2026-5678'],
  };

  it('names the embargo, its moment in UTC and in its zone, its CVE IDs and the policy version', () => {
    expect(postTerms(embargo, 2)).toEqual({
      headers: [
        ['Embargo-ID', 'EMB-3 9b2f0c1e-3f4a-4b6c-8d7e-1a2b3c4d5e6f'],
        ['Embargo-Until', '2027-01-10T13:00:00Z'],
        ['Embargo-Until-Local', '2027-01-10 14:00 Europe/Berlin (+01:00)'],
        ['Embargo-CVE', 'CVE-2026-1234, CVE-2026-5678'],
        ['Embargo-Policy-Version', '2'],
      ],
      line:
        'EMBARGOED until 2027-01-10 14:00 Europe/Berlin (13:00 UTC) — EMB-3, CVE-2026-1234, CVE-2026-5678; ' +
        'Embargo Policy version 2. Do not share beyond your need-to-know team.',
    });
  });

  it('gives the offset in force on the day (summer time) and leaves out what is not there', () => {
    const summer = { ...embargo, publicAt: new Date('2027-07-01T08:30:00Z'), cveIds: [] };
    const { headers, line } = postTerms(summer, null);
    expect(headers).toEqual([
      ['Embargo-ID', 'EMB-3 9b2f0c1e-3f4a-4b6c-8d7e-1a2b3c4d5e6f'],
      ['Embargo-Until', '2027-07-01T08:30:00Z'],
      ['Embargo-Until-Local', '2027-07-01 10:30 Europe/Berlin (+02:00)'],
    ]);
    expect(line).toBe(
      'EMBARGOED until 2027-07-01 10:30 Europe/Berlin (08:30 UTC) — EMB-3. Do not share beyond your need-to-know team.',
    );
  });

  it('says a UTC moment once, and a zone behind UTC across the date line', () => {
    expect(postTerms({ ...embargo, timeZone: 'UTC' }, 1).line).toMatch(/^EMBARGOED until 2027-01-10 13:00 UTC — /);
    const la = postTerms(
      { ...embargo, publicAt: new Date('2027-01-10T02:00:00Z'), timeZone: 'America/Los_Angeles' },
      1,
    );
    expect(la.headers[2]).toEqual(['Embargo-Until-Local', '2027-01-09 18:00 America/Los_Angeles (-08:00)']);
    expect(la.line).toMatch(/^EMBARGOED until 2027-01-09 18:00 America\/Los_Angeles \(2027-01-10 02:00 UTC\)/);
  });

  it('makes the line a text/plain UTF-8 part of its own', () => {
    const part = termsPart(postTerms(embargo, 2)).toString('utf8');
    expect(part).toMatch(/^Content-Type: text\/plain; charset=utf-8\r\n/);
    expect(part).toContain('\r\n\r\nEMBARGOED until 2027-01-10 14:00 Europe/Berlin (13:00 UTC) — EMB-3');
  });
});
