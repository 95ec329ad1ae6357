import { AuditLog, verifyAuditChain } from '@cordon/audit';
import { parseSettings } from '@cordon/config';
import { Outbox } from '@cordon/delivery';
import { DateObjections, LeakReportQueries } from '@cordon/embargo';
import { ApplicationsWaiting } from '@cordon/membership';
import { ReportsWaiting } from '@cordon/reports';
import { testAuditKey } from '../../../../test/support/audit';
import { openTestDatabase, TestDatabase } from '../../../../test/support/database';
import { testSettings } from '../../../../test/support/settings';
import { BounceStreaks } from '../fan-out';
import { MemberAnswerQueries } from '../member-answers/member-answer-queries';
import { digestDue } from './digest-timing';
import { MaintainerDigest } from './maintainer-digest';
import { WaitingForMaintainers, WaitingItem } from './waiting-for-maintainers';

const T0 = new Date('2026-12-02T09:00:00Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

describe('when a digest is due', () => {
  const due = (newItems: number, lastSentAt: Date | null, now: Date) =>
    digestDue({ newItems, lastSentAt, now, windowMinutes: 60 });

  it('sends nothing without something new, however long the quiet', () => {
    expect(due(0, null, T0)).toBe(false);
    expect(due(0, T0, minutes(600))).toBe(false);
  });

  it('sends the first item after a quiet spell at once, holds the next within the window, sends it after', () => {
    expect(due(1, null, T0)).toBe(true);
    expect(due(1, T0, minutes(1))).toBe(false);
    expect(due(1, T0, minutes(59))).toBe(false);
    expect(due(1, T0, minutes(60))).toBe(true);
  });
});

describe('the two settings', () => {
  it('default to a digest an hour at most and a flag at three failures in a row', () => {
    expect(parseSettings({}, process.cwd())).toMatchObject({ MAINTAINER_DIGEST_MINUTES: 60, BOUNCE_FLAG_THRESHOLD: 3 });
    expect(parseSettings({ MAINTAINER_DIGEST_MINUTES: '15', BOUNCE_FLAG_THRESHOLD: '5' }, process.cwd())).toMatchObject(
      {
        MAINTAINER_DIGEST_MINUTES: 15,
        BOUNCE_FLAG_THRESHOLD: 5,
      },
    );
  });

  it.each([
    ['MAINTAINER_DIGEST_MINUTES', '0'],
    ['MAINTAINER_DIGEST_MINUTES', 'hourly'],
    ['MAINTAINER_DIGEST_MINUTES', '20000'],
    ['BOUNCE_FLAG_THRESHOLD', '0'],
    ['BOUNCE_FLAG_THRESHOLD', '2.5'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(() => parseSettings({ [name]: value }, process.cwd())).toThrow(new RegExp(name));
  });
});

describe('what waits for the maintainers', () => {
  const since = (n: number) => minutes(n);
  const sources = {
    applications: {
      list: async () => [
        { id: 'app-2', organisation: 'Second <Distro>', reason: 'info_answered' as const, since: since(5) },
        { id: 'app-1', organisation: 'First Distro', reason: 'review' as const, since: since(1) },
      ],
    },
    objections: {
      open: async () => [
        { embargoId: 'emb-1', embargoTag: 'EMB-7', memberId: 'mem-1', organisation: 'Distro A', answeredAt: since(3) },
      ],
    },
    leaks: {
      list: async (status?: string) =>
        status === 'open'
          ? [
              { id: 'leak-1', embargoTag: 'EMB-7', createdAt: since(2).toISOString() },
              { id: 'leak-2', embargoTag: null, createdAt: since(8).toISOString() },
            ]
          : [],
    },
    answers: {
      list: async () => [
        {
          id: 'ans-1',
          organisation: 'Distro B',
          embargo: { id: 'emb-1', tag: 'EMB-7' },
          createdAt: since(4),
          released: null,
        },
        {
          id: 'ans-0',
          organisation: 'Distro B',
          embargo: null,
          createdAt: since(0),
          released: { at: since(1), by: 'M', postId: 'p' },
        },
      ],
    },
    bounces: {
      all: async () => [
        {
          memberId: 'mem-2',
          organisation: 'Distro C',
          email: 'sec@c.example',
          failures: 3,
          since: since(6),
          flagged: true,
        },
        {
          memberId: 'mem-3',
          organisation: 'Distro D',
          email: 'sec@d.example',
          failures: 1,
          since: since(7),
          flagged: false,
        },
      ],
    },
    reports: {
      list: async () => ({
        firstAnswer: [
          {
            id: 'rep-1',
            reference: 'REP-1',
            receivedAt: since(9),
            ackDueAt: new Date('2026-12-07T23:00:00Z'),
            ackDue: 'Monday 2026-12-07 24:00 Europe/Berlin (23:00 UTC)',
            overdue: false,
          },
        ],
        reporterWrote: [
          { reportId: 'rep-2', reference: 'REP-2', eventId: 'ev-1', at: since(10), what: 'message' as const },
          { reportId: 'rep-3', reference: 'REP-3', eventId: 'ev-2', at: since(11), what: 'date_objection' as const },
        ],
      }),
    },
  };
  const waiting = new WaitingForMaintainers(
    sources.applications as unknown as ApplicationsWaiting,
    sources.objections as unknown as DateObjections,
    sources.leaks as unknown as LeakReportQueries,
    sources.answers as unknown as MemberAnswerQueries,
    sources.bounces as unknown as BounceStreaks,
    sources.reports as unknown as ReportsWaiting,
  );

  it('lists every kind, oldest first, each with a short text, a link and since when', async () => {
    const items = await waiting.list();
    expect(items.map((i) => [i.kind, i.text, i.link, i.since])).toEqual([
      ['application', 'The application of First Distro waits for review', '/admin/applications/app-1', since(1)],
      ['leak_report', 'A leak report about EMB-7 waits for triage', '/admin/leaks/leak-1', since(2)],
      ['date_objection', 'Distro A objects to the date of EMB-7', '/admin/embargoes/emb-1', since(3)],
      ['member_answer', 'An answer from Distro B about EMB-7 waits for release', '/admin/answers/ans-1', since(4)],
      [
        'info_answer',
        'Second <Distro> answered your question on its application',
        '/admin/applications/app-2',
        since(5),
      ],
      [
        'bounces',
        '3 copies to Distro C <sec@c.example> failed in a row (flagged: probably unreachable)',
        '/admin/members/mem-2',
        since(6),
      ],
      ['bounces', '1 copy to Distro D <sec@d.example> failed in a row', '/admin/members/mem-3', since(7)],
      ['leak_report', 'A leak report waits for triage', '/admin/leaks/leak-2', since(8)],
      [
        'report',
        'Vulnerability report REP-1 waits for its first answer, due Monday 2026-12-07 24:00 Europe/Berlin (23:00 UTC)',
        '/admin/reports/rep-1',
        since(9),
      ],
      ['report_answer', 'The reporter of REP-2 wrote on its report', '/admin/reports/rep-2', since(10)],
      ['report_answer', 'The reporter of REP-3 objected to the public date', '/admin/reports/rep-3', since(11)],
    ]);
    expect(items.filter((i) => i.flagged).map((i) => i.link)).toEqual(['/admin/members/mem-2']);
  });

  it('keys an item by its state: a further bounce is a new item, the same row is not', async () => {
    const first = (await waiting.list()).find((i) => i.link === '/admin/members/mem-3')!;
    expect((await waiting.list()).find((i) => i.link === '/admin/members/mem-3')!.key).toBe(first.key);
    const more = sources.bounces.all;
    sources.bounces.all = async () => [{ ...(await more())[1], failures: 2 }];
    try {
      expect((await waiting.list()).find((i) => i.link === '/admin/members/mem-3')!.key).not.toBe(first.key);
    } finally {
      sources.bounces.all = more;
    }
  });
});

describe('the digest job', () => {
  let db: TestDatabase;
  let items: WaitingItem[];
  let sent: { subject: string; text: string }[];
  let maintainers: number;
  let job: MaintainerDigest;

  const anItem = (n: number): WaitingItem => ({
    kind: 'application',
    key: `application:app-${n}:x`,
    text: `The application of Distro ${n} waits for review`,
    link: `/admin/applications/app-${n}`,
    since: minutes(n),
  });

  beforeEach(async () => {
    db = await openTestDatabase();
    items = [];
    sent = [];
    maintainers = 2;
    const outbox = {
      sendToMaintainers: async (_manager: unknown, mail: { subject: string; text: string }) => {
        if (maintainers) sent.push(mail);
        return maintainers;
      },
    } as unknown as Outbox;
    const settings = testSettings({ DATA_DIR: db.dataDir, PUBLIC_URL: 'https://cordon.example' });
    job = new MaintainerDigest(
      db.database.dataSource,
      { list: async () => items } as unknown as WaitingForMaintainers,
      outbox,
      new AuditLog(testAuditKey),
      settings,
    );
  });
  afterEach(() => db.drop());

  it('sends the first item after a quiet spell at once, a second within the window later, then the next', async () => {
    expect(await job.runOnce(minutes(0))).toMatchObject({ sent: false, waiting: 0 });

    items = [anItem(1)];
    expect(await job.runOnce(minutes(1))).toMatchObject({ sent: true, waiting: 1, fresh: 1, maintainers: 2 });
    expect(sent[0].text).toContain('https://cordon.example/admin/applications/app-1\n');
    expect(sent[0].text).toContain('The application of Distro 1 waits for review');

    // Nothing new: nothing is sent, however long it waits.
    expect(await job.runOnce(minutes(200))).toMatchObject({ sent: false, waiting: 1, fresh: 0 });

    items = [anItem(1), anItem(2)];
    expect(await job.runOnce(minutes(201))).toMatchObject({ sent: true, fresh: 1 });
    expect(sent[1].text).toMatch(/New since the last digest:\n.*Distro 2[\s\S]*Still waiting:\n.*Distro 1/);

    items = [anItem(1), anItem(2), anItem(3)];
    expect(await job.runOnce(minutes(230))).toMatchObject({ sent: false, fresh: 1 });
    expect(await job.runOnce(minutes(260))).toMatchObject({ sent: false, fresh: 1 });
    expect(await job.runOnce(minutes(261))).toMatchObject({ sent: true, fresh: 1, waiting: 3 });
    expect(sent).toHaveLength(3);

    const audited = (await db.database.dataSource.query(
      `SELECT details FROM audit_entry WHERE action = 'maintainer.digest_sent' ORDER BY seq`,
    )) as { details: Record<string, number> }[];
    expect(audited.map((a) => a.details)).toEqual([
      { waiting: 1, new: 1, maintainers: 2 },
      { waiting: 2, new: 1, maintainers: 2 },
      { waiting: 3, new: 1, maintainers: 2 },
    ]);
    await expect(verifyAuditChain(db.database.dataSource, testAuditKey)).resolves.toMatchObject({ ok: true });
  });

  it('makes an item that stopped waiting and waits again news again', async () => {
    items = [anItem(1)];
    await job.runOnce(minutes(0));
    items = [];
    await job.runOnce(minutes(100));
    items = [anItem(1)];
    expect(await job.runOnce(minutes(200))).toMatchObject({ sent: true, fresh: 1 });
  });

  it('keeps items new while no maintainer can be told', async () => {
    maintainers = 0;
    items = [anItem(1)];
    expect(await job.runOnce(minutes(0))).toMatchObject({ sent: false, fresh: 1 });
    maintainers = 1;
    expect(await job.runOnce(minutes(1))).toMatchObject({ sent: true, fresh: 1, maintainers: 1 });
  });
});
