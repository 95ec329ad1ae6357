import { DomainError } from '@cordon/errors';
import { readMembersCsv } from './import-list-csv';

const FPR = '0123456789ABCDEF0123456789ABCDEF01234567';

describe('readMembersCsv', () => {
  it('reads RFC 4180 quoting, a BOM, mixed line ends, and numbers each row by the line it starts on', () => {
    const text =
      '\uFEFFfingerprint,address,acknowledged,organisation,distribution\r\n' +
      `${FPR},a@x.example,YES,"Alpha, ""the"" distro",alpha\n` +
      '\n' +
      `"0x0123 4567 89ab cdef 0123 4567 89AB CDEF 0123 4567",b@x.example,false,"multi\r\nline",\n` +
      `${FPR.toLowerCase()},c@x.example,no,Gamma,`;
    const { rows, refusals } = readMembersCsv(text);
    expect(refusals).toEqual([]);
    expect(rows).toEqual([
      {
        line: 2,
        address: 'a@x.example',
        organisation: 'Alpha, "the" distro',
        fingerprint: FPR,
        acknowledged: true,
        distribution: 'alpha',
      },
      {
        line: 4,
        address: 'b@x.example',
        organisation: 'multi\r\nline',
        fingerprint: FPR,
        acknowledged: false,
        distribution: '',
      },
      {
        line: 6,
        address: 'c@x.example',
        organisation: 'Gamma',
        fingerprint: FPR,
        acknowledged: false,
        distribution: '',
      },
    ]);
  });

  it('refuses bad rows one by one, with their line numbers', () => {
    const { rows, refusals } = readMembersCsv(
      'address,organisation,fingerprint,acknowledged\n' +
        `not-an-address,Org,${FPR},yes\n` +
        `a@x.example,,${FPR},yes\n` +
        `b@x.example,Org,${FPR.slice(-8)},yes\n` +
        `c@x.example,Org,${FPR}00,yes\n` +
        `d@x.example,Org,${FPR},maybe\n` +
        `e@x.example,Org,${FPR}\n` +
        `f@x.example,Org,${FPR},true\n`,
    );
    expect(rows.map((r) => r.line)).toEqual([8]);
    expect(refusals.map((r) => [r.line, r.reason.split(/[;:(]/)[0]])).toEqual([
      [2, 'the address is not an e-mail address.'],
      [3, 'the organisation is empty.'],
      [4, 'short key IDs are refused '],
      [5, 'the fingerprint must be the full 40 '],
      [6, 'acknowledged must be yes, no, true or false.'],
      [7, 'has 3 fields where the header has 4'],
    ]);
  });

  it.each([
    ['a missing column', 'address,organisation,fingerprint\n', /missing: acknowledged/],
    ['an unknown column', 'address,organisation,fingerprint,acknowledged,notes\n', /unknown: notes/],
    ['a column named twice', 'address,organisation,fingerprint,acknowledged,address\n', /named twice/],
    ['an empty file', '', /empty/],
    [
      'an unclosed quote',
      `address,organisation,fingerprint,acknowledged\na@x.example,"Org,${FPR},yes\n\n`,
      /at line 2: Quote Not Closed/,
    ],
    [
      'an unclosed quote after a quoted line break',
      `address,organisation,fingerprint,acknowledged\r\na@x.example,"A\r\nB",${FPR},yes\r\nb@x.example,"Org,${FPR},yes\r\n`,
      /at line 4: Quote Not Closed/,
    ],
  ])('refuses the whole file for %s', (_what, text, message) => {
    let error: unknown;
    try {
      readMembersCsv(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).message).toMatch(message);
  });
});
