import { Injectable } from '@nestjs/common';
import { DateObjections, LeakReportQueries } from '@cordon/embargo';
import { ApplicationsWaiting } from '@cordon/membership';
import { ReportsWaiting } from '@cordon/reports';
import { BounceStreaks } from '../fan-out';
import { MemberAnswerQueries } from '../member-answers/member-answer-queries';

export const waitingKinds = [
  'application',
  'info_answer',
  'date_objection',
  'member_answer',
  'leak_report',
  'bounces',
  'report',
  'report_answer',
] as const;
export type WaitingKind = (typeof waitingKinds)[number];

/** One thing a maintainer is to look at, as the digest and the admin home page list it. */
export interface WaitingItem {
  kind: WaitingKind;
  /**
   * Names the item in the state it waits in: the same item waiting on is the same key, a new
   * state (a further bounce, an answer after a new question) a new one. The digest goes when a
   * key it has not reported appears.
   */
  key: string;
  /** One line, plain text; embargoed detail (titles, subjects, contents) stays behind the link. */
  text: string;
  /** Path under the web app, e.g. /admin/applications/<id>; mail makes it absolute. */
  link: string;
  since: Date;
  /** A bouncing member at BOUNCE_FLAG_THRESHOLD failures in a row. */
  flagged?: boolean;
}

/**
 * What waits for the maintainers (issue 11, README "What waits for the maintainers"), read from the
 * libs that own each thing: applications to decide and applicants' answers (membership), objections
 * to an embargo's date and leak reports (embargo), vulnerability reports waiting for their first
 * answer and reporters' answers (reports), members' answers waiting for release and members whose
 * copies bounce (relay). Oldest first: what has waited longest comes first.
 */
@Injectable()
export class WaitingForMaintainers {
  constructor(
    private readonly applications: ApplicationsWaiting,
    private readonly objections: DateObjections,
    private readonly leaks: LeakReportQueries,
    private readonly answers: MemberAnswerQueries,
    private readonly bounces: BounceStreaks,
    private readonly reports: ReportsWaiting,
  ) {}

  /** `now` reads the reports' clocks: whether a first answer is overdue. */
  async list(now = new Date()): Promise<WaitingItem[]> {
    const [applications, objections, leaks, answers, bounces, reports] = await Promise.all([
      this.applications.list(),
      this.objections.open(),
      this.leaks.list('open'),
      this.answers.list(),
      this.bounces.all(),
      this.reports.list(undefined, now),
    ]);
    const items: WaitingItem[] = [
      ...applications.map((a) =>
        a.reason === 'info_answered'
          ? item(
              'info_answer',
              a.id,
              a.since,
              `${a.organisation} answered your question on its application`,
              `/admin/applications/${a.id}`,
            )
          : item(
              'application',
              a.id,
              a.since,
              `The application of ${a.organisation} waits for review`,
              `/admin/applications/${a.id}`,
            ),
      ),
      ...objections.map((o) =>
        item(
          'date_objection',
          `${o.embargoId}:${o.memberId}`,
          o.answeredAt,
          `${o.organisation} objects to the date of ${o.embargoTag}`,
          `/admin/embargoes/${o.embargoId}`,
        ),
      ),
      ...answers
        .filter((a) => !a.released)
        .map((a) =>
          item(
            'member_answer',
            a.id,
            a.createdAt,
            `An answer from ${a.organisation}${a.embargo ? ` about ${a.embargo.tag}` : ''} waits for release`,
            `/admin/answers/${a.id}`,
          ),
        ),
      ...leaks.map((l) =>
        item(
          'leak_report',
          l.id,
          new Date(l.createdAt),
          l.embargoTag ? `A leak report about ${l.embargoTag} waits for triage` : 'A leak report waits for triage',
          `/admin/leaks/${l.id}`,
        ),
      ),
      ...bounces.map((b) => ({
        ...item(
          'bounces',
          // A further failure, or a new row after a success, is news; the same row is not.
          `${b.memberId}:${b.failures}`,
          b.since,
          `${b.failures} cop${b.failures === 1 ? 'y' : 'ies'} to ${b.organisation} <${b.email}> failed in a row` +
            (b.flagged ? ' (flagged: probably unreachable)' : ''),
          `/admin/members/${b.memberId}`,
        ),
        flagged: b.flagged,
      })),
      // The reference and the clock only: what the reporter wrote stays sealed behind the link.
      ...reports.firstAnswer.map((r) =>
        item(
          'report',
          r.id,
          r.receivedAt,
          `Vulnerability report ${r.reference} waits for its first answer, ` +
            `${r.overdue ? 'overdue since' : 'due'} ${r.ackDue}`,
          `/admin/reports/${r.id}`,
        ),
      ),
      ...reports.reporterWrote.map((r) =>
        item(
          'report_answer',
          // Each answer is its own item: a further one after the maintainers' next step is news.
          r.eventId,
          r.at,
          r.what === 'date_objection'
            ? `The reporter of ${r.reference} objected to the public date`
            : `The reporter of ${r.reference} wrote on its report`,
          `/admin/reports/${r.reportId}`,
        ),
      ),
    ];
    return items.sort((a, b) => a.since.getTime() - b.since.getTime() || a.key.localeCompare(b.key));
  }
}

function item(kind: WaitingKind, id: string, since: Date, text: string, link: string): WaitingItem {
  return { kind, key: `${kind}:${id}:${since.toISOString()}`, text, link, since };
}
