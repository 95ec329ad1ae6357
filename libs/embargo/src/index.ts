import { Embargo } from './embargo.entity';
import { EmbargoDateAnswer } from './date-answer.entity';
import { LeakReport } from './leaks/leak-report.entity';
import { Strike } from './leaks/strike.entity';
import { EmbargoMemberStatus } from './status/member-status.entity';

export { Embargo };
export { EmbargoStatus } from './embargo.entity';
export { Embargoes, EmbargoInput } from './embargoes';
export { ChangeEmbargo } from './change-embargo';
export { EmbargoEdits, EmbargoEdit, EditedField, memberRelevantFields } from './embargo-edits';
export { DESCRIPTION_MAX, MITIGATIONS_MAX, REFERENCES_MAX } from './embargo-fields';
export { EmbargoNotices } from './embargo-notices';
export { EmbargoAudiences, EmbargoCircumstances, AudienceView, AudienceWhy } from './audience/embargo-audiences';
export { ChangeAudience, AudiencePick } from './audience/change-audience';
export { AudienceMode, audienceModes } from './embargo.entity';
export { EmbargoReminders } from './embargo-reminders';
export { embargoNumberIn } from './embargo-tag';
export { EmbargoQueries, EmbargoView, embargoStatuses, embargoTag } from './embargo-queries';
export { RecipientSelector, RecipientSelection, Recipient, Skipped, SkipReason, canEncryptAt } from './recipients';
export { businessDaysBetween, formatPublicMoment, publicMoment, isTimeZone } from './embargo-clock';
export { HeldMail } from './held-mail';
export { HeldCopies, HeldCopy, HeldCopiesQuestion } from './held-copies';
export { EmbargoPolicyFollowUps } from './policy-follow-ups';
export { DateAnswers, DateAnswerInput, DateAnswerView, DATE_COMMENT_MAX } from './date-answers';
export { EmbargoDateAnswer, DateAnswerKind, dateAnswers } from './date-answer.entity';
export { DateObjections, OpenDateObjection } from './date-objections';
export { EmbargoModule } from './embargo.module';
export { LeakReport, Strike };
export { LeakReporterKind, LeakReportStatus, leakReporterKinds, leakReportStatuses } from './leaks/leak-report.entity';
export { LeakReports, LeakReporter, LeakReportInput, LEAK_TEXT_MAX, LEAK_EVIDENCE_MAX } from './leaks/leak-reports';
export { LeakReportQueries, LeakReportView, LeakReportSummary } from './leaks/leak-report-queries';
export { FileLeakReport } from './leaks/file-leak-report';
export { DismissLeakReport } from './leaks/dismiss-leak-report';
export { ConfirmLeak, ConfirmedLeak } from './leaks/confirm-leak';
export { MemberHistory, MemberHistoryView, HistoryEntry } from './member-history';
export { PostsUnderEmbargo } from './posts-under-embargo';
export { UnsentCopies } from './leaks/unsent-copies';
export { scoreCvss, severityOf, CvssScore, CvssSeverity, CvssVersion } from './cvss';
export {
  ExportAdvisory,
  AdvisoryFile,
  AdvisoryFormat,
  advisoryFormats,
  advisoryJson,
} from './advisory/export-advisory';
export { osvAdvisory, OsvRecord, OSV_SCHEMA_VERSION } from './advisory/osv';
export { csafAdvisory, CsafDocument, csafFileName } from './advisory/csaf';
export { advisorySourceOf, AdvisorySource, AdvisoryPublisher } from './advisory/advisory-source';
export const embargoEntities = [EmbargoMemberStatus, Embargo, LeakReport, Strike, EmbargoDateAnswer];
export { EmbargoReadings } from './embargo-readings';
export { EmbargoTags, TaggedEmbargo, EmbargoTerms, ActiveTag } from './embargo-tags';
export { PublicMomentCheck, PublicMomentVerdict, checkPublicMoment, isWorkingDay } from './public-moment-check';
export { PublicHolidays, HolidayCalendar, holidayCalendar, noHolidays } from './public-holidays';
export {
  EmbargoMemberStatus,
  MemberEmbargoStatusKind,
  memberEmbargoStatuses,
  StatusVia,
  statusVias,
} from './status/member-status.entity';
export { SetMemberEmbargoStatus, MemberStatusInput, FIXED_VERSION } from './status/set-member-embargo-status';
export { StatusMatrix, StatusMatrixView, StatusMatrixRow } from './status/status-matrix';
export { statusWords } from './status/status-words';
