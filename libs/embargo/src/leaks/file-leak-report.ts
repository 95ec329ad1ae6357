import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LeakReportInput, LeakReporter, LeakReports } from './leak-reports';

/** Files a leak report in a transaction of its own (the web edges; the relay files inside its own). */
@Injectable()
export class FileLeakReport {
  constructor(
    private readonly dataSource: DataSource,
    private readonly leaks: LeakReports,
  ) {}

  execute(input: LeakReportInput, reporter: LeakReporter): Promise<{ id: string }> {
    return this.dataSource.transaction((manager) => this.leaks.file(manager, input, reporter));
  }
}
