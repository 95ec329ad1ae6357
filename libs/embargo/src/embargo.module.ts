import { Module } from '@nestjs/common';
import { DeliveryModule } from '@cordon/delivery';
import { MemberLookup, MembershipModule } from '@cordon/membership';
import { PolicyModule } from '@cordon/policy';
import { ChangeEmbargo } from './change-embargo';
import { DateAnswers } from './date-answers';
import { ExportAdvisory } from './advisory/export-advisory';
import { EmbargoNotices } from './embargo-notices';
import { EmbargoReminders } from './embargo-reminders';
import { EmbargoQueries } from './embargo-queries';
import { Embargoes } from './embargoes';
import { EmbargoEdits } from './embargo-edits';
import { HeldCopies } from './held-copies';
import { HeldMail } from './held-mail';
import { DismissLeakReport } from './leaks/dismiss-leak-report';
import { ConfirmLeak } from './leaks/confirm-leak';
import { FileLeakReport } from './leaks/file-leak-report';
import { LeakReportQueries } from './leaks/leak-report-queries';
import { LeakReports } from './leaks/leak-reports';
import { UnsentCopies } from './leaks/unsent-copies';
import { MemberHistory } from './member-history';
import { EmbargoPolicyFollowUps } from './policy-follow-ups';
import { PostsUnderEmbargo } from './posts-under-embargo';
import { RecipientSelector } from './recipients';
import { SetMemberEmbargoStatus } from './status/set-member-embargo-status';
import { StatusMatrix } from './status/status-matrix';
import { PublicHolidays } from './public-holidays';
import { PublicMomentCheck } from './public-moment-check';
import { EmbargoAudiences } from './audience/embargo-audiences';
import { ChangeAudience } from './audience/change-audience';

const providers = [
  HeldCopies,
  HeldMail,
  Embargoes,
  EmbargoQueries,
  RecipientSelector,
  EmbargoAudiences,
  ChangeAudience,
  EmbargoNotices,
  EmbargoReminders,
  ChangeEmbargo,
  EmbargoEdits,
  LeakReports,
  LeakReportQueries,
  FileLeakReport,
  DismissLeakReport,
  ConfirmLeak,
  MemberHistory,
  DateAnswers,
  ExportAdvisory,
  PostsUnderEmbargo,
  UnsentCopies,
  SetMemberEmbargoStatus,
  StatusMatrix,
  PublicHolidays,
  PublicMomentCheck,
];

// PolicyModule is exported too: what uses embargoes uses the policy its members acknowledge.
@Module({
  imports: [DeliveryModule, PolicyModule, MembershipModule],
  // MemberLookup: ChangeAudience checks picked members through it (a query class, provided where used).
  providers: [...providers, EmbargoPolicyFollowUps, MemberLookup],
  exports: [...providers, PolicyModule],
})
export class EmbargoModule {}
