import { REPORT_FIELD_LIMITS } from '@cordon/reports';
import { NOT_GIVEN, newReportFrom } from './report-fields';
import { ReportMessage } from './report-message';

const aMessage = (over: Partial<ReportMessage> = {}): ReportMessage => ({
  from: { name: 'Rita Reporter', address: 'rita@reporter.example' },
  subject: 'Overflow in libfoo',
  text: 'parse_header() overflows.',
  attachments: [],
  keys: [],
  autocrypt: null,
  encrypted: true,
  ...over,
});

describe('a mailed report as the reports lib takes it', () => {
  it('takes the reporter from From, the component from the subject, the description from the body', () => {
    expect(newReportFrom(aMessage(), 'KEY')).toEqual({
      content: {
        reporterName: 'Rita Reporter',
        contact: 'rita@reporter.example',
        component: 'Overflow in libfoo',
        versions: NOT_GIVEN,
        description: 'parse_header() overflows.',
        reproduction: '',
        impact: '',
        thirdParty: '',
        alreadyPublic: 'unsure',
        creditName: '',
      },
      reporterKey: 'KEY',
      creditConsent: false,
      attachments: [],
    });
  });

  it('names the reporter by the local part without a display name, and a missing subject "Not given"', () => {
    const report = newReportFrom(aMessage({ from: { name: '  ', address: 'anon@x.example' }, subject: '' }), null)!;
    expect(report.content).toMatchObject({ reporterName: 'anon', component: NOT_GIVEN });
  });

  it('makes the subject and the name one line, cut to their limits', () => {
    const long = `a\u0007b\r\n${'x'.repeat(500)}`;
    const report = newReportFrom(aMessage({ subject: long, from: { name: long, address: 'r@x.example' } }), null)!;
    expect(report.content.component).toMatch(/^a b x+$/);
    expect(report.content.component).toHaveLength(REPORT_FIELD_LIMITS.component);
    expect(report.content.reporterName).toHaveLength(REPORT_FIELD_LIMITS.reporterName);
  });

  it('keeps a body longer than the description whole as message.txt', () => {
    const text = 'y'.repeat(REPORT_FIELD_LIMITS.description + 10);
    const file = { filename: 'poc.c', contentType: 'text/x-csrc', bytes: Buffer.from('int main;') };
    const report = newReportFrom(aMessage({ text, attachments: [file] }), null)!;
    expect(report.content.description.length).toBeLessThanOrEqual(REPORT_FIELD_LIMITS.description);
    expect(report.content.description).toMatch(/attached whole as message\.txt/);
    expect(report.attachments.map((a) => a.filename)).toEqual(['message.txt', 'poc.c']);
    expect(report.attachments[0].bytes.toString()).toBe(text);
  });

  it('drops control characters other than tabs and line breaks from the body', () => {
    expect(newReportFrom(aMessage({ text: 'a\u0000b\tc\nd\u000ce' }), null)!.content.description).toBe('ab\tc\nde');
  });

  it('points to the attachments when the body is empty', () => {
    const file = { filename: 'poc.c', contentType: 'text/x-csrc', bytes: Buffer.from('int main;') };
    expect(newReportFrom(aMessage({ text: '', attachments: [file] }), null)!.content.description).toMatch(
      /see its attachments/,
    );
  });

  it('is nothing without a From address to answer', () => {
    expect(newReportFrom(aMessage({ from: null }), null)).toBeNull();
  });
});
