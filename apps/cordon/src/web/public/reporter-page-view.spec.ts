import type { ReporterView, ReportHistoryItem } from '@cordon/reports';
import { reporterPageOf } from './reporter-page-view';

const at = new Date('2027-03-26T09:00:00Z');
const item = (change: Partial<ReportHistoryItem>): ReportHistoryItem => ({
  id: 'e1',
  at,
  kind: 'status',
  actor: 'reporter',
  actorName: null,
  shownToReporter: true,
  text: null,
  facts: {},
  attachments: [],
  ...change,
});
const view = (change: Partial<ReporterView> = {}): ReporterView => ({
  reference: 'REP-7',
  status: 'acknowledged',
  receivedAt: at,
  component: 'libfrob',
  history: [],
  proposedPublic: null,
  reporterDateAnswer: null,
  creditName: '',
  creditConsent: false,
  open: true,
  ...change,
});

describe('the reporter’s page, as shown', () => {
  it('says each line from the reporter’s side, the maintainers as one team', () => {
    const page = reporterPageOf(
      view({
        history: [
          item({ status: 'new' }),
          item({ actor: 'maintainer:m1', status: 'needs_information', text: 'Which flags?' }),
          item({
            kind: 'reporter_message',
            text: 'These.',
            attachments: [{ id: 'f/1', filename: 'a.txt', size: 2048 }],
          }),
          item({ kind: 'credit', facts: { creditName: 'Rita', consent: true } }),
          item({ kind: 'credit', facts: { creditName: 'Rita', consent: false } }),
        ],
      }),
    );
    expect(page.history.map((line) => `${line.who}: ${line.what}`)).toEqual([
      'You: Sent the report',
      'The maintainers: Status: The maintainers need more information from you: answer below',
      'You: Your message',
      'You: Credit: as “Rita”',
      'You: Credit: not credited publicly',
    ]);
    expect(page.history[2].attachments).toEqual([
      { href: '/report/status/attachments/f%2F1', filename: 'a.txt', size: '2.0 KB' },
    ]);
    expect(page.receivedAt).toBe('2027-03-26 09:00 UTC');
  });

  it('writes the proposed date in its own time zone, across a DST change, and in UTC', () => {
    // Europe/Berlin moves to summer time on 2027-03-28: 10:00 local is 08:00 UTC after it.
    const proposed = new Date('2027-03-29T08:00:00Z');
    const page = reporterPageOf(view({ proposedPublic: { at: proposed, timeZone: 'Europe/Berlin' } }));
    expect(page.proposedPublic).toEqual({
      local: '2027-03-29 10:00 (Europe/Berlin)',
      utc: '2027-03-29 08:00 UTC',
      timeZone: 'Europe/Berlin',
    });
    const answered = reporterPageOf(
      view({
        history: [
          item({
            kind: 'date_answered',
            facts: { answer: 'objected', publicAt: proposed.toISOString(), timeZone: 'Europe/Berlin' },
          }),
        ],
      }),
    );
    expect(answered.history[0].what).toBe('Objected to the public date: 2027-03-29 10:00 (Europe/Berlin)');
  });
});
