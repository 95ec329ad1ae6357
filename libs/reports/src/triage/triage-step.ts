import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { DomainError } from '@cordon/errors';
import { MaintainerLookup } from '@cordon/maintainers';
import { ReportContent } from '../report-content';
import { ReportEventBody, reportReference, ReportRecords } from '../report-records';
import { ReportEventKind } from '../report-event.entity';
import { Report, ReportStatus } from '../report.entity';
import { ReporterMail, ReporterMessage } from '../reporter-mail';

/** What one triage step works on, inside its transaction. */
export interface TriageContext {
  manager: EntityManager;
  /** The report, locked for this step. */
  report: Report;
  /** REP-<number>. */
  reference: string;
  /** `maintainer:<id>`, as the history and the audit log name the actor. */
  actor: string;
  now: Date;
  /** What the reporter wrote, opened. */
  content(): ReportContent;
  /** Adds one event to the report's history (sealed). */
  event(kind: ReportEventKind, shownToReporter: boolean, body: ReportEventBody | null): Promise<string>;
  /** The step's audit entry, `report.<action>`: facts only, never a text someone wrote. */
  audit(action: string, details?: Record<string, unknown>): Promise<void>;
  /** Tells the reporter: encrypted to its key, or a plain notice with only the link (ReporterMail). */
  tell(message: ReporterMessage): Promise<void>;
}

/**
 * What every triage step does alike (issue 13, "Triage"; docs/architecture.md, flow "Report"): one
 * transaction, in which only an active maintainer acts (an added maintainer that has not enrolled
 * cannot sign in either), the report is locked, and the change, its history, its audit entry and
 * the mail to the reporter commit together, or nothing does.
 */
@Injectable()
export class TriageStep {
  constructor(
    private readonly dataSource: DataSource,
    private readonly records: ReportRecords,
    private readonly maintainers: MaintainerLookup,
    private readonly auditLog: AuditLog,
    private readonly reporterMail: ReporterMail,
  ) {}

  run<T>(reportId: string, maintainerId: string, now: Date, step: (context: TriageContext) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await this.requireActive(manager, maintainerId);
      const report = await this.records.forUpdate(manager, reportId);
      const actor = `maintainer:${maintainerId}`;
      const reference = reportReference(report.number);
      let content: ReportContent | null = null;
      const open = () => (content ??= this.records.content(report));
      return step({
        manager,
        report,
        reference,
        actor,
        now,
        content: open,
        event: (kind, shownToReporter, body) =>
          this.records.addEvent(manager, report.id, { kind, actor, shownToReporter, body }, now),
        audit: async (action, details = {}) => {
          await this.auditLog.append(manager, {
            actor,
            action: `report.${action}`,
            subject: `report:${report.id}`,
            details: { reference, ...details },
          });
        },
        tell: async (message) => {
          await this.reporterMail.tell(manager, report, open(), message);
        },
      });
    });
  }

  /** Whether this id is an active maintainer's (the only ones who sign in, act and handle reports). */
  isActive(manager: EntityManager, maintainerId: string): Promise<boolean> {
    return this.maintainers.isActive(manager, maintainerId);
  }

  private async requireActive(manager: EntityManager, maintainerId: string): Promise<void> {
    if (!(await this.isActive(manager, maintainerId))) {
      throw new DomainError('FORBIDDEN', 'Only an active maintainer can triage reports.');
    }
  }

  /**
   * Moves the report to `status`, recording the change in its history (shown to the reporter, with
   * `text` when the step gives the reporter a reason). A first answer stops the acknowledgement
   * clock; rejected and duplicate close the report, which stops the fix clock.
   */
  async moveTo(context: TriageContext, status: ReportStatus, text?: string): Promise<void> {
    const { manager, report, now } = context;
    const change: Partial<Report> = { status, updatedAt: now };
    if (!report.acknowledgedAt) change.acknowledgedAt = now;
    if (status === 'rejected' || status === 'duplicate') change.closedAt = now;
    await manager.update(Report, report.id, change);
    Object.assign(report, change);
    await context.event('status', true, text === undefined ? { status } : { status, text });
  }
}
