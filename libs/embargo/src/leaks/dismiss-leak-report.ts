import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LeakReport } from './leak-report.entity';
import { LeakReports } from './leak-reports';

/** A maintainer dismisses a leak report, with a reason; final (confirming is ConfirmLeak). */
@Injectable()
export class DismissLeakReport {
  constructor(
    private readonly dataSource: DataSource,
    private readonly leaks: LeakReports,
  ) {}

  execute(reportId: string, reason: string, maintainerId: string): Promise<LeakReport> {
    return this.dataSource.transaction((manager) => this.leaks.dismiss(manager, reportId, reason, maintainerId));
  }
}
