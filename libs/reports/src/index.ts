import { Report } from './report.entity';
import { ReportAttachment } from './report-attachment.entity';
import { ReportEvent } from './report-event.entity';

export { Report, ReportStatus, REPORT_STATUSES } from './report.entity';
export { ReportEvent, ReportEventKind } from './report-event.entity';
export { ReportAttachment } from './report-attachment.entity';
export { ReportsModule } from './reports.module';
export const reportsEntities = [Report, ReportEvent, ReportAttachment];
