import type { ReportHistoryItem } from '@cordon/reports';
import { acceptDefaults, adminHistoryLine, clockBadge } from './report-admin-view';

const at = (iso: string) => new Date(iso);

describe("a report's admin view", () => {
  it.each([
    ['overdue', false, 'overdue', 'clock-overdue'],
    ['due_soon', false, 'due soon', 'clock-due_soon'],
    ['running', false, 'running', 'clock-running'],
    ['met', false, 'met', 'clock-met'],
    ['met', true, 'met (late)', 'clock-met late'],
    ['stopped', true, 'stopped', 'clock-stopped'],
  ] as const)('reads a %s clock (late: %s) as the badge "%s"', (state, late, label, className) => {
    const badge = clockBadge({ dueAt: at('2026-12-09T23:00:00Z'), metAt: null, state, late }, 'Europe/Berlin');
    expect(badge).toEqual({ label, className, due: 'Wednesday 2026-12-09 24:00 Europe/Berlin (23:00 UTC)' });
  });

  it('starts the accept form at the report date plus the longest embargo, in business days', () => {
    // Friday 16:30 in Berlin; 14 business days later is Thursday three weeks on, at the same time.
    const report = {
      component: 'libfrob',
      receivedAt: at('2026-12-04T15:30:00Z'),
      proposedPublicAt: null,
      proposedTimeZone: null,
    };
    expect(acceptDefaults(report, 'Europe/Berlin', 14)).toEqual({
      title: 'libfrob',
      publicAt: '2026-12-24T16:30',
      timeZone: 'Europe/Berlin',
    });
  });

  it('starts the accept form at the date proposed to the reporter, in its time zone', () => {
    const report = {
      component: 'x'.repeat(300),
      receivedAt: at('2026-12-04T15:30:00Z'),
      proposedPublicAt: at('2026-12-15T13:00:00Z'),
      proposedTimeZone: 'America/New_York',
    };
    expect(acceptDefaults(report, 'UTC', 14)).toEqual({
      title: 'x'.repeat(200),
      publicAt: '2026-12-15T08:00',
      timeZone: 'America/New_York',
    });
  });

  it('marks internal comments, and names the party of an outside message', () => {
    const item = (over: Partial<ReportHistoryItem>): ReportHistoryItem => ({
      id: 'e1',
      at: at('2026-12-02T10:00:00Z'),
      kind: 'comment',
      actor: 'maintainer:m1',
      actorName: 'Lea',
      shownToReporter: false,
      text: 'hm',
      facts: {},
      attachments: [],
      ...over,
    });
    expect(adminHistoryLine('r1', item({}), 'UTC')).toMatchObject({
      who: 'Lea',
      at: '2026-12-02 10:00 UTC',
      what: 'Internal comment',
      internal: true,
      party: null,
    });
    const to = { name: 'Upstream', email: 'sec@up.example' };
    expect(adminHistoryLine('r1', item({ kind: 'message_to_outsider', to }), 'UTC')).toMatchObject({
      what: 'Message to Upstream <sec@up.example>',
      internal: false,
      party: to,
    });
    const names = (id: string) => (id === 'm2' ? 'Max' : undefined);
    expect(adminHistoryLine('r1', item({ kind: 'handler', facts: { handlerId: 'm2' } }), 'UTC', names).what).toBe(
      'Handler: Max',
    );
    expect(adminHistoryLine('r1', item({ kind: 'handler', facts: { handlerId: null } }), 'UTC', names).what).toBe(
      'Handler: nobody',
    );
    expect(
      adminHistoryLine(
        'r1',
        item({
          actor: 'reporter',
          actorName: null,
          kind: 'reporter_message',
          attachments: [{ id: 'f1', filename: 'a.txt', size: 3 }],
        }),
        'UTC',
      ),
    ).toMatchObject({
      who: 'The reporter',
      attachments: [{ href: '/admin/reports/r1/attachments/f1', filename: 'a.txt' }],
    });
  });
});
