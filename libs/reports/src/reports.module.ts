import { Module } from '@nestjs/common';
import { DeliveryModule } from '@cordon/delivery';
import { EmbargoModule } from '@cordon/embargo';
import { MaintainerLookup } from '@cordon/maintainers';
import { FileReport } from './file-report';
import { ProposedDates } from './proposed-dates';
import { ReportQueries } from './report-queries';
import { ReportRecords } from './report-records';
import { ReportSeal } from './report-seal';
import { AnswerPublicDate } from './reporter/answer-public-date';
import { ReporterAccess } from './reporter/reporter-access';
import { ReporterReply } from './reporter/reporter-reply';
import { SetCredit } from './reporter/set-credit';
import { AcceptReport } from './triage/accept-report';
import { AcknowledgeReport } from './triage/acknowledge-report';
import { AskReporter } from './triage/ask-reporter';
import { AssignHandler } from './triage/assign-handler';
import { CommentOnReport } from './triage/comment-on-report';
import { MarkDuplicate } from './triage/mark-duplicate';
import { MessageParty } from './triage/message-party';
import { ProposePublicDate } from './triage/propose-public-date';
import { RejectReport } from './triage/reject-report';
import { TriageStep } from './triage/triage-step';
import { ReporterMail } from './reporter-mail';
import { ReportReadings } from './report-readings';
import { ReportReminders } from './report-reminders';
import { ReportsWaiting } from './reports-waiting';

const providers = [
  ReportSeal,
  ReportRecords,
  ReporterMail,
  ProposedDates,
  FileReport,
  ReportQueries,
  ReporterAccess,
  ReporterReply,
  AnswerPublicDate,
  SetCredit,
  TriageStep,
  AcknowledgeReport,
  AskReporter,
  AcceptReport,
  RejectReport,
  MarkDuplicate,
  AssignHandler,
  CommentOnReport,
  ProposePublicDate,
  MessageParty,
];

/** Private vulnerability reports, from intake to the embargo made from them (docs/architecture.md, flow "Report"). */
@Module({
  imports: [DeliveryModule, EmbargoModule],
  // MaintainerLookup keeps no state: each lib that asks it provides its own, as the relay does.
  providers: [...providers, ReportReminders, ReportReadings, ReportsWaiting, MaintainerLookup],
  exports: [...providers, ReportReminders, ReportReadings, ReportsWaiting, EmbargoModule],
})
export class ReportsModule {}
