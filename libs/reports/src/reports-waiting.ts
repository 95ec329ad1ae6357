import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { SETTINGS, Settings } from '@cordon/config';
import { clockRulesOf } from './open-report-clocks';
import { acknowledgementDueAt, formatDueMoment } from './report-clock';
import { reportReference } from './report-records';

/** A report still in `new`: it waits for the maintainers' first answer. */
export interface ReportAwaitingFirstAnswer {
  id: string;
  reference: string;
  receivedAt: Date;
  ackDueAt: Date;
  /** The due moment as the maintainers read it, in PROJECT_TIME_ZONE (formatDueMoment). */
  ackDue: string;
  overdue: boolean;
}

/** The reporter wrote on its page after the maintainers' last step. */
export interface ReporterWroteLast {
  reportId: string;
  reference: string;
  /** The event that waits: a new one is a new thing to look at. */
  eventId: string;
  at: Date;
  what: 'message' | 'date_objection';
}

export interface WaitingReports {
  firstAnswer: ReportAwaitingFirstAnswer[];
  reporterWrote: ReporterWroteLast[];
}

interface NewRow {
  id: string;
  number: number | string;
  received_at: Date | string;
}

interface ReporterEventRow {
  id: string;
  report_id: string;
  at: Date | string;
  kind: 'reporter_message' | 'date_answered';
  number: number | string;
  reporter_date_answer: 'agreed' | 'objected' | null;
}

/**
 * What of the reports waits for the maintainers (README "What waits for the maintainers"), for the
 * admin home page and the digest: facts from the clear columns only (a reference, a moment, a kind
 * of event), never anything the reporter wrote, which stays sealed behind the report's page
 * (docs/architecture.md, flow "Report"). Oldest first; takes the caller's snapshot when given one.
 */
@Injectable()
export class ReportsWaiting {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async list(manager: EntityManager = this.dataSource.manager, now = new Date()): Promise<WaitingReports> {
    return { firstAnswer: await this.firstAnswers(manager, now), reporterWrote: await this.reporterWrote(manager) };
  }

  private async firstAnswers(manager: EntityManager, now: Date): Promise<ReportAwaitingFirstAnswer[]> {
    const rows = (await manager.query(
      `SELECT id, number, received_at FROM report WHERE status = 'new' ORDER BY received_at, number`,
    )) as NewRow[];
    const { timeZone, ackBusinessDays, holidays } = clockRulesOf(this.settings);
    return rows.map((row) => {
      const receivedAt = new Date(row.received_at);
      const ackDueAt = acknowledgementDueAt(receivedAt, ackBusinessDays, timeZone, holidays);
      return {
        id: row.id,
        reference: reportReference(Number(row.number)),
        receivedAt,
        ackDueAt,
        ackDue: formatDueMoment(ackDueAt, timeZone),
        overdue: now.getTime() > ackDueAt.getTime(),
      };
    });
  }

  /**
   * Per open report past its first answer, the reporter's latest message or objection to the public
   * date written after every maintainer's event (a message, a step, a comment: someone has looked).
   * A report still in `new` is listed once, as waiting for its first answer. An agreement to the
   * date asks nothing of the maintainers, and withdraws an earlier objection; whether the latest
   * answer objects is read from the report's clear column, which a new date clears.
   */
  private async reporterWrote(manager: EntityManager): Promise<ReporterWroteLast[]> {
    const rows = (await manager.query(
      `SELECT e.id, e.report_id, e.at, e.kind, r.number, r.reporter_date_answer
       FROM report_event e JOIN report r ON r.id = e.report_id
       WHERE r.closed_at IS NULL AND r.status <> 'new'
         AND e.actor = 'reporter' AND e.kind IN ('reporter_message', 'date_answered')
         AND NOT EXISTS (
           SELECT 1 FROM report_event m
           WHERE m.report_id = e.report_id AND m.actor LIKE 'maintainer:%' AND m.at >= e.at)
       ORDER BY e.report_id, e.at, e.id`,
    )) as ReporterEventRow[];
    const latest = new Map<string, ReporterWroteLast>();
    const lastDateAnswer = new Map<string, string>();
    for (const row of rows) if (row.kind === 'date_answered') lastDateAnswer.set(row.report_id, row.id);
    for (const row of rows) {
      const objection =
        row.kind === 'date_answered' &&
        row.reporter_date_answer === 'objected' &&
        lastDateAnswer.get(row.report_id) === row.id;
      if (row.kind !== 'reporter_message' && !objection) continue;
      latest.set(row.report_id, {
        reportId: row.report_id,
        reference: reportReference(Number(row.number)),
        eventId: row.id,
        at: new Date(row.at),
        what: objection ? 'date_objection' : 'message',
      });
    }
    return [...latest.values()].sort((a, b) => a.at.getTime() - b.at.getTime());
  }
}
