import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { SETTINGS, Settings } from '@cordon/config';
import { clockRulesOf, openReportClocks } from './open-report-clocks';
import { REPORT_STATUSES, ReportStatus } from './report.entity';

/**
 * Counts of reports for the operators' metrics (the web app's /metrics): by state, and how many
 * clocks are overdue. Facts only, never a report's content. Each takes the caller's snapshot when
 * given one, so that /metrics reads every lib in one transaction.
 */
@Injectable()
export class ReportReadings {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /** Every state, 0 when no report is in it. */
  async byState(manager: EntityManager = this.dataSource.manager): Promise<Record<ReportStatus, number>> {
    const rows = (await manager.query('SELECT status, count(*) AS n FROM report GROUP BY status')) as {
      status: ReportStatus;
      n: string | number;
    }[];
    const counts = Object.fromEntries(REPORT_STATUSES.map((s) => [s, 0])) as Record<ReportStatus, number>;
    for (const row of rows) counts[row.status] = Number(row.n);
    return counts;
  }

  /** Reports whose acknowledgement, or fix target, is past due and still not met (report-clock.ts). */
  async overdue(
    now = new Date(),
    manager: EntityManager = this.dataSource.manager,
  ): Promise<{ acknowledgement: number; fix: number }> {
    const open = await openReportClocks(manager, clockRulesOf(this.settings));
    const past = (dueAt: Date) => now.getTime() > dueAt.getTime();
    return {
      acknowledgement: open.filter((r) => r.ackRunning && past(r.schedule.ackDueAt)).length,
      fix: open.filter((r) => r.fixRunning && past(r.schedule.fixDueAt)).length,
    };
  }
}
