import { Report } from './report.entity';
import { ReportAttachment } from './report-attachment.entity';
import { ReportEvent } from './report-event.entity';

export { Report, ReportStatus, REPORT_STATUSES } from './report.entity';
export { ReportEvent, ReportEventKind } from './report-event.entity';
export { ReportAttachment } from './report-attachment.entity';
export {
  ReportContent,
  AlreadyPublic,
  ALREADY_PUBLIC,
  AttachmentInput,
  NewReport,
  REPORT_FIELD_LIMITS,
  REPORT_MAX_ATTACHMENTS,
} from './report-content';
export { FileReport, FiledReport } from './file-report';
export { ReportQueries, ReportSummary, ReportDetail, ReportHistoryItem, ReporterView } from './report-queries';
export { ClockView, formatDueMoment } from './report-clock';
export { reportReference } from './report-records';
export { ReporterAccess } from './reporter/reporter-access';
export { ReporterReply } from './reporter/reporter-reply';
export { AnswerPublicDate } from './reporter/answer-public-date';
export { SetCredit } from './reporter/set-credit';
export { AcknowledgeReport } from './triage/acknowledge-report';
export { AskReporter } from './triage/ask-reporter';
export { AcceptReport, AcceptTerms } from './triage/accept-report';
export { RejectReport } from './triage/reject-report';
export { MarkDuplicate } from './triage/mark-duplicate';
export { AssignHandler } from './triage/assign-handler';
export { CommentOnReport } from './triage/comment-on-report';
export { ProposePublicDate } from './triage/propose-public-date';
export { MessageParty, MessageRecipient } from './triage/message-party';
export { ReportsModule } from './reports.module';
export const reportsEntities = [Report, ReportEvent, ReportAttachment];
export { ReportReminders } from './report-reminders';
export { ReportReadings } from './report-readings';
export { ReportsWaiting, WaitingReports, ReportAwaitingFirstAnswer, ReporterWroteLast } from './reports-waiting';
