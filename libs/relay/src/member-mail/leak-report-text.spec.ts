import { readLeakReport } from './leak-report-text';

describe('a leak report read from a mail body', () => {
  const now = new Date('2026-11-25T12:00:00Z');

  it('reads the documented fields, in any order and case, values running on over lines', () => {
    const body = [
      'Hello maintainers,',
      '',
      'leaked to: a public bug tracker',
      'What leaked: the patch for the overflow',
      'in parse_header()',
      '',
      'When: 2026-11-20T14:00:00Z',
      'Self-reported: yes',
      'Evidence:',
      'https://bugs.example/123',
      'Leaked to: this line is evidence, not a field',
    ].join('\r\n');
    expect(readLeakReport('[EMB-7] leak', body, now)).toEqual({
      embargoNumber: 7,
      whatLeaked: 'the patch for the overflow\nin parse_header()',
      leakedTo: 'a public bug tracker',
      leakedAt: new Date('2026-11-20T14:00:00Z'),
      evidence: 'https://bugs.example/123\nLeaked to: this line is evidence, not a field',
      selfReported: true,
    });
  });

  it('takes the embargo from an Embargo field when the subject names none', () => {
    const body = 'Embargo: EMB-12\nWhat leaked: x\nLeaked to: y';
    expect(readLeakReport('leak', body, now).embargoNumber).toBe(12);
    expect(readLeakReport('leak', 'Embargo: 13\nWhat leaked: x\nLeaked to: y', now).embargoNumber).toBe(13);
    expect(readLeakReport('[EMB-3] leak', body, now).embargoNumber).toBe(3);
  });

  it('keeps the whole body as evidence when a field is missing, and says so in the missing fields', () => {
    const body = 'Someone posted our fix on a forum yesterday.\nhttps://forum.example/t/1';
    const report = readLeakReport('leak', body, now);
    expect(report).toMatchObject({
      embargoNumber: null,
      whatLeaked: 'Not stated in the mail: see the evidence.',
      leakedTo: 'Not stated in the mail: see the evidence.',
      leakedAt: null,
      evidence: body,
      selfReported: false,
    });
  });

  it('leaves a date unknown when it cannot be read, is in the future, or before 1990', () => {
    const at = (when: string) => readLeakReport('', `What leaked: x\nLeaked to: y\nWhen: ${when}`, now).leakedAt;
    expect(at('last tuesday')).toBeNull();
    expect(at('2027-01-01T00:00:00Z')).toBeNull();
    expect(at('1970-01-01T00:00:00Z')).toBeNull();
  });

  it('turns control characters into spaces and bounds what it keeps', () => {
    const report = readLeakReport('', `What leaked: a\u0000b\u001bc\nLeaked to: ${'y'.repeat(6000)}`, now);
    expect(report.whatLeaked).toBe('a b c');
    expect(report.leakedTo.length).toBeLessThanOrEqual(5000);
    expect(report.leakedTo).toMatch(/\[cut: the mail was longer\]$/);
  });
});
