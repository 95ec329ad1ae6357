import { Module } from '@nestjs/common';
import { DeliveryModule } from '@cordon/delivery';
import { ChangeEmbargo } from './change-embargo';
import { DateAnswers } from './date-answers';
import { ExportAdvisory } from './advisory/export-advisory';
import { EmbargoNotices } from './embargo-notices';
import { EmbargoReminders } from './embargo-reminders';
import { EmbargoQueries } from './embargo-queries';
import { Embargoes } from './embargoes';
import { HeldMail } from './held-mail';
import { DismissLeakReport } from './leaks/dismiss-leak-report';
import { FileLeakReport } from './leaks/file-leak-report';
import { LeakReportQueries } from './leaks/leak-report-queries';
import { LeakReports } from './leaks/leak-reports';
import { Policies } from './policies';
import { PolicyHistory } from './policy-history';
import { PublishPolicy } from './publish-policy';
import { RecipientSelector } from './recipients';

const providers = [
  HeldMail,
  Policies,
  Embargoes,
  EmbargoQueries,
  RecipientSelector,
  EmbargoNotices,
  EmbargoReminders,
  ChangeEmbargo,
  LeakReports,
  LeakReportQueries,
  FileLeakReport,
  DismissLeakReport,
  PublishPolicy,
  PolicyHistory,
  DateAnswers,
  ExportAdvisory,
];

@Module({ imports: [DeliveryModule], providers, exports: providers })
export class EmbargoModule {}
