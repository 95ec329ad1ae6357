import { parseReportForm } from './report-form';
import { creditForm, dateAnswerForm, postedFields, replyForm } from './reporter-forms';

const valid = {
  reporterName: 'Ada',
  contact: 'ada@example.org',
  component: 'libparse',
  versions: '1.0 to 1.4',
  description: 'A heap overflow in the header parser.',
  alreadyPublic: 'no',
};

describe('the report form', () => {
  it('turns a filled-in form into a NewReport, optional fields empty, no key, no credit', () => {
    const parsed = parseReportForm(valid, null, []);
    expect(parsed).toEqual({
      values: valid,
      report: {
        content: { ...valid, reproduction: '', impact: '', thirdParty: '', creditName: '' },
        reporterKey: null,
        creditConsent: false,
        attachments: [],
      },
    });
  });

  it('takes the pasted key, or the uploaded one, and the credit with consent', () => {
    const withPasted = parseReportForm(
      { ...valid, reporterKey: '  KEY  ', creditName: 'Ada L.', creditConsent: 'yes' },
      null,
      [],
    );
    expect('report' in withPasted && withPasted.report).toMatchObject({
      reporterKey: 'KEY',
      creditConsent: true,
      content: { creditName: 'Ada L.' },
    });
    const withFile = parseReportForm(valid, 'FILE KEY', [
      { filename: 'poc.py', contentType: 'text/x-python', bytes: Buffer.from('x') },
    ]);
    expect('report' in withFile && withFile.report).toMatchObject({
      reporterKey: 'FILE KEY',
      attachments: [{ filename: 'poc.py' }],
    });
  });

  it.each([
    ['reporterName', { reporterName: '  ' }, /name or a pseudonym/],
    ['contact', { contact: 'not an address' }, /e-mail address/],
    ['contact', { contact: undefined }, /e-mail address/],
    ['component', { component: '' }, /affected component/],
    ['versions', { versions: '' }, /affected versions/],
    ['description', { description: 'x'.repeat(20_001) }, /At most 20000 characters/],
    ['impact', { impact: 'x'.repeat(5001) }, /At most 5000 characters/],
    ['alreadyPublic', { alreadyPublic: 'maybe' }, /already public/],
    ['creditConsent', { creditConsent: 'on' }, /Tick the box/],
    ['creditName', { creditConsent: 'yes' }, /name to credit/],
    ['reporterKey', { reporterKey: 'k'.repeat(64 * 1024 + 1) }, /at most 64 KB/],
  ])('refuses a bad %s beside the field, keeping what was sent', (field, change, message) => {
    const body = { ...valid, ...change };
    const parsed = parseReportForm(body, null, []);
    expect('errors' in parsed).toBe(true);
    if (!('errors' in parsed)) return;
    expect(parsed.errors[field]).toMatch(message);
    expect(parsed.values.description).toBe(body.description);
  });

  it('refuses a key both pasted and uploaded', () => {
    const parsed = parseReportForm({ ...valid, reporterKey: 'KEY' }, 'FILE KEY', []);
    expect('errors' in parsed && parsed.errors.reporterKey).toMatch(/not both/);
  });

  it('keeps only the form’s own fields, and only strings', () => {
    const parsed = parseReportForm({ ...valid, _csrf: 't', extra: 'x', reproduction: ['a', 'b'] }, null, []);
    expect(parsed.values).toEqual(valid);
  });
});

describe('the reporter page’s forms', () => {
  it('takes a reply and refuses an empty or huge one', () => {
    expect(replyForm.parse({ text: ' More detail. ' })).toEqual({ text: 'More detail.' });
    expect(replyForm.safeParse({ text: '  ' }).error?.issues[0].message).toMatch(/Write your message/);
    expect(replyForm.safeParse({ text: 'x'.repeat(20_001) }).success).toBe(false);
  });

  it('takes agreement without a comment, an objection only with one', () => {
    expect(dateAnswerForm.parse({ answer: 'agreed' })).toEqual({ answer: 'agreed', comment: '' });
    const objection = dateAnswerForm.safeParse({ answer: 'objected', comment: ' ' });
    expect(objection.error?.issues[0]).toMatchObject({ path: ['comment'], message: /why you object/ });
    expect(dateAnswerForm.safeParse({ answer: 'maybe' }).error?.issues[0].path).toEqual(['answer']);
  });

  it('takes a credit name with consent, or no consent at all', () => {
    expect(creditForm.parse({ creditName: 'Ada', creditConsent: 'yes' })).toEqual({
      creditName: 'Ada',
      creditConsent: 'yes',
    });
    expect(creditForm.parse({ creditName: '' })).toEqual({ creditName: '', creditConsent: '' });
    expect(creditForm.safeParse({ creditName: '', creditConsent: 'yes' }).error?.issues[0].path).toEqual([
      'creditName',
    ]);
  });

  it('reads only the named string fields of a body', () => {
    expect(postedFields({ text: 'a', other: 'b', n: 1 }, ['text', 'n', 'missing'])).toEqual({ text: 'a' });
    expect(postedFields(undefined, ['text'])).toEqual({});
  });
});
