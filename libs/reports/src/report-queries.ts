import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { SETTINGS, Settings } from '@cordon/config';
import { EmbargoQueries, EmbargoView } from '@cordon/embargo';
import { DomainError } from '@cordon/errors';
import { MaintainerLookup } from '@cordon/maintainers';
import { clockRulesOf } from './open-report-clocks';
import { ClockView, reportClocks } from './report-clock';
import { ReportContent } from './report-content';
import { ReportEventKind } from './report-event.entity';
import { ProposedDates } from './proposed-dates';
import { reportReference, ReportRecords } from './report-records';
import { Report, ReportStatus } from './report.entity';

/** A row of the maintainers' queue. */
export interface ReportSummary {
  id: string;
  reference: string;
  status: ReportStatus;
  receivedAt: Date;
  receivedVia: 'form' | 'mail';
  component: string;
  handler: { id: string; name: string } | null;
  ack: ClockView;
  fix: ClockView;
}

export interface ReportHistoryItem {
  id: string;
  at: Date;
  kind: ReportEventKind;
  /** `maintainer:<id>`, `reporter` or `system`. */
  actor: string;
  /** The maintainer's name; null for the reporter and the system. */
  actorName: string | null;
  shownToReporter: boolean;
  /** The message, comment or reason. */
  text: string | null;
  /** For a change of state: the new one. */
  status?: ReportStatus;
  /** For a message to an outside party: who. */
  to?: { name: string; email: string };
  /** What else the event records (a date, an answer, a credit, a handler), never secret. */
  facts: Record<string, unknown>;
  attachments: { id: string; filename: string; size: number }[];
}

export interface ReportDetail extends ReportSummary {
  content: ReportContent;
  creditConsent: boolean;
  reporterKeyFingerprint: string | null;
  /** The report's own files (a reply's are in its history item). */
  attachments: { id: string; filename: string; contentType: string; size: number }[];
  history: ReportHistoryItem[];
  duplicateOf: { id: string; reference: string } | null;
  embargo: { id: string; number: number; tag: string; status: string } | null;
  proposedPublicAt: Date | null;
  proposedTimeZone: string | null;
  reporterDateAnswer: 'agreed' | 'objected' | null;
}

/**
 * What the reporter's page shows: never an internal comment nor a message to someone else. The files
 * it sent with the report come on the first line of its history, where it sent them.
 */
export interface ReporterView {
  reference: string;
  status: ReportStatus;
  receivedAt: Date;
  component: string;
  history: ReportHistoryItem[];
  /** The embargo's date once accepted, else the proposed one. */
  proposedPublic: { at: Date; timeZone: string } | null;
  reporterDateAnswer: 'agreed' | 'objected' | null;
  creditName: string;
  creditConsent: boolean;
  /** Whether it still takes messages (not rejected nor a duplicate). */
  open: boolean;
}

/** Reports as maintainers and reporters read them, opened from their seals here and nowhere else. */
@Injectable()
export class ReportQueries {
  constructor(
    private readonly dataSource: DataSource,
    private readonly records: ReportRecords,
    private readonly embargoes: EmbargoQueries,
    private readonly maintainers: MaintainerLookup,
    private readonly dates: ProposedDates,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /** Open reports first (oldest first: they are due first), then the rest, newest first. */
  async queue(now = new Date()): Promise<ReportSummary[]> {
    const manager = this.dataSource.manager;
    const reports = await manager
      .getRepository(Report)
      .createQueryBuilder('r')
      .orderBy(`CASE WHEN r.status IN ('new', 'acknowledged', 'needs_information') THEN 0 ELSE 1 END`)
      .addOrderBy(`CASE WHEN r.status IN ('new', 'acknowledged', 'needs_information') THEN r.received_at END`, 'ASC')
      .addOrderBy('r.received_at', 'DESC')
      .getMany();
    const handlers = await this.maintainers.byIds(
      manager,
      reports.flatMap((r) => (r.handlerId ? [r.handlerId] : [])),
    );
    const summaries: ReportSummary[] = [];
    for (const report of reports) {
      const embargo = report.embargoId ? await this.embargoes.get(report.embargoId, now, manager) : null;
      summaries.push(this.summary(report, this.records.content(report), embargo, handlers, now));
    }
    return summaries;
  }

  async detail(id: string, now = new Date()): Promise<ReportDetail> {
    const manager = this.dataSource.manager;
    const report = await this.records.find(manager, id);
    const content = this.records.content(report);
    const embargo = report.embargoId ? await this.embargoes.get(report.embargoId, now, manager) : null;
    // Each file is opened once a page: its name is sealed with its bytes.
    const files = await this.records.attachments(manager, report.id);
    const history = await this.history(manager, report, false, files);
    const handlers = await this.maintainers.byIds(manager, report.handlerId ? [report.handlerId] : []);
    const duplicate = report.duplicateOf ? await this.records.find(manager, report.duplicateOf) : null;
    const attachments = files
      .filter((file) => file.eventId === null)
      .map(({ id: fileId, filename, contentType, size }) => ({ id: fileId, filename, contentType, size }));
    return {
      ...this.summary(report, content, embargo, handlers, now),
      content,
      creditConsent: report.creditConsent,
      reporterKeyFingerprint: report.reporterKeyFingerprint,
      attachments,
      history,
      duplicateOf: duplicate ? { id: duplicate.id, reference: reportReference(duplicate.number) } : null,
      embargo: embargo && {
        id: embargo.id,
        number: Number(embargo.tag.slice(4)),
        tag: embargo.tag,
        status: embargo.status,
      },
      proposedPublicAt: report.proposedPublicAt,
      proposedTimeZone: report.proposedTimeZone,
      reporterDateAnswer: report.reporterDateAnswer,
    };
  }

  async reporterView(id: string): Promise<ReporterView> {
    const manager = this.dataSource.manager;
    const report = await this.records.find(manager, id);
    const content = this.records.content(report);
    return {
      reference: reportReference(report.number),
      status: report.status,
      receivedAt: report.receivedAt,
      component: content.component,
      history: await this.history(manager, report, true, await this.records.attachments(manager, report.id)),
      proposedPublic: await this.dates.of(manager, report),
      reporterDateAnswer: report.reporterDateAnswer,
      creditName: content.creditName,
      creditConsent: report.creditConsent,
      open: report.closedAt === null,
    };
  }

  /** The report an embargo was made from, if it was made from one (the embargo's page links it). */
  async madeInto(embargoId: string): Promise<{ id: string; reference: string; receivedAt: Date } | null> {
    const report = /^[0-9a-f-]{36}$/i.test(embargoId)
      ? await this.dataSource.manager.findOne(Report, { where: { embargoId } })
      : null;
    return report && { id: report.id, reference: reportReference(report.number), receivedAt: report.receivedAt };
  }

  /**
   * One file, opened. For the reporter, only the report's own files and those of events its page
   * shows; NOT_FOUND for anything else, as for a file that does not exist.
   */
  async attachment(
    reportId: string,
    attachmentId: string,
    forReporter: boolean,
  ): Promise<{ filename: string; contentType: string; bytes: Buffer }> {
    const manager = this.dataSource.manager;
    const report = await this.records.find(manager, reportId);
    const file = await this.records.attachmentRow(manager, report.id, attachmentId);
    if (file && forReporter && file.eventId) {
      const shown = (await this.records.events(manager, report.id)).some(
        (event) => event.id === file.eventId && event.shownToReporter,
      );
      if (!shown) throw notFound();
    }
    if (!file) throw notFound();
    return this.records.openAttachment(file);
  }

  private summary(
    report: Report,
    content: ReportContent,
    embargo: EmbargoView | null,
    handlers: Map<string, { id: string; name: string }>,
    now: Date,
  ): ReportSummary {
    const handler = report.handlerId ? handlers.get(report.handlerId) : undefined;
    const endedAt = embargo?.endedAt ? new Date(embargo.endedAt) : null;
    const clocks = reportClocks(
      {
        receivedAt: report.receivedAt,
        acknowledgedAt: report.acknowledgedAt,
        closedAt: report.closedAt,
        fixPublishedAt: endedAt,
      },
      clockRulesOf(this.settings),
      now,
    );
    return {
      id: report.id,
      reference: reportReference(report.number),
      status: report.status,
      receivedAt: report.receivedAt,
      receivedVia: report.receivedVia,
      component: content.component,
      handler: handler ? { id: handler.id, name: handler.name } : null,
      ack: clocks.ack,
      fix: clocks.fix,
    };
  }

  private async history(
    manager: EntityManager,
    report: Report,
    forReporter: boolean,
    files: Awaited<ReturnType<ReportRecords['attachments']>>,
  ): Promise<ReportHistoryItem[]> {
    const events = (await this.records.events(manager, report.id)).filter(
      (event) => !forReporter || event.shownToReporter,
    );
    const names = await this.maintainers.namesOfActors(
      manager,
      events.map((event) => event.actor),
    );
    return events.map((event) => {
      const { text, status, to, ...facts } = this.records.eventBody(event) ?? {};
      return {
        id: event.id,
        at: event.at,
        kind: event.kind,
        actor: event.actor,
        // The reporter sees that a maintainer wrote, not which one: the team answers as one.
        actorName: forReporter ? null : (names.get(event.actor) ?? null),
        shownToReporter: event.shownToReporter,
        text: typeof text === 'string' ? text : null,
        status: status as ReportStatus | undefined,
        to: forReporter ? undefined : to,
        facts,
        attachments: files
          .filter((file) => file.eventId === event.id || (forReporter && file.eventId === null && status === 'new'))
          .map(({ id, filename, size }) => ({ id, filename, size })),
      };
    });
  }
}

function notFound(): DomainError {
  return new DomainError('NOT_FOUND', 'There is no such file.');
}
