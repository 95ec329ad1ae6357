import { protectedMultipart } from './protected-headers';

// The protected header block of a copy (docs/architecture.md, "Fan-out"): extra fields, such as a
// post's terms (issue 14), come after List-Id, each a header line of its own.
describe('protectedMultipart', () => {
  const fields = {
    subject: '[EMB-3] Overflow',
    from: 'lead@example.org',
    to: 'distributors@example.org',
    date: new Date('2027-01-01T10:00:00Z'),
    listId: 'Distributors <distributors.example.org>',
  };
  const head = (raw: Buffer) => raw.toString('utf8').split('\r\n\r\n')[0];

  it('writes the extra fields after List-Id, in the order given, and keeps the parts byte for byte', () => {
    const part = Buffer.from('Content-Type: text/plain\r\n\r\nFix in 2.1.\r\n');
    const raw = protectedMultipart(
      {
        ...fields,
        extra: [
          ['Embargo-ID', 'EMB-3 9b2f0c1e-3f4a-4b6c-8d7e-1a2b3c4d5e6f'],
          ['Embargo-Until', '2027-01-10T13:00:00Z'],
        ],
      },
      [part],
    );
    const lines = head(raw).split('\r\n');
    const at = (name: string) => lines.findIndex((line) => line.startsWith(`${name}:`));
    expect(lines[at('Embargo-ID')]).toBe('Embargo-ID: EMB-3 9b2f0c1e-3f4a-4b6c-8d7e-1a2b3c4d5e6f');
    expect(lines[at('Embargo-Until')]).toBe('Embargo-Until: 2027-01-10T13:00:00Z');
    expect(at('List-Id')).toBeLessThan(at('Embargo-ID'));
    expect(at('Embargo-ID')).toBeLessThan(at('Embargo-Until'));
    expect(raw.includes(part)).toBe(true);
  });

  it('writes no extra field when none is given', () => {
    expect(head(protectedMultipart(fields, [Buffer.from('x')]))).not.toMatch(/Embargo-/);
  });

  it('cannot be made to start a header of its own, by the value or by the name', () => {
    const raw = protectedMultipart({ ...fields, extra: [['Embargo-CVE', 'CVE-2026-1\r\nBcc: x@example.org']] }, []);
    expect(head(raw)).not.toMatch(/^Bcc:/m);
    expect(() => protectedMultipart({ ...fields, extra: [['Bcc: x@example.org\r\nX', 'y']] }, [])).toThrow(
      /Not a header field name/,
    );
  });
});
