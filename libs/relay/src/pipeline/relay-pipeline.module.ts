import { Module } from '@nestjs/common';
import { DeliveryModule } from '@cordon/delivery';
import { EmbargoModule, EmbargoTags } from '@cordon/embargo';
import { MaintainerLookup, PostingMaintainerKeys } from '@cordon/maintainers';
import { ConfirmedApplicantKey, KeysExpiringSoon, MemberLookup, MemberSigningKeys } from '@cordon/membership';
import { ReportsModule } from '@cordon/reports';
import { Bounces } from '../bounces/bounces';
import { CatchUp } from '../catch-up';
import { DrillAckStatement } from '../drill/drill-ack-statement';
import { DrillModule } from '../drill/drill.module';
import { fanOutProviders } from '../fan-out';
import { IngressModule } from '../ingress';
import { AckStatements } from '../member-mail/ack-statements';
import { memberMailProviders } from '../member-mail/member-mail';
import { StatusStatement } from '../member-mail/status-statement';
import { RelayNotices } from '../notices/relay-notices';
import { OwnerMail } from '../owner-mail/owner-mail';
import { ReportMail } from '../report-mail/report-mail';
import { postStages } from '../stages';
import { KeyExpiryWarnings } from '../timed-jobs/key-expiry-warnings';
import { RelayAnswersModule } from '../status/relay-answers.module';
import { InboundProcessor } from './inbound-processor';
import { PostPipeline } from './post-pipeline';

/**
 * What the relay asks the libs that own the member, maintainer, application and embargo tables:
 * it names none of their tables itself (docs/architecture.md, Layout).
 */
const ownersQueries = [
  PostingMaintainerKeys,
  MaintainerLookup,
  MemberSigningKeys,
  MemberLookup,
  KeysExpiringSoon,
  ConfirmedApplicantKey,
  EmbargoTags,
];

/**
 * The relay's domain: ingress store and queue, the post pipeline and the other mail the list's
 * addresses take, the timed jobs, and the per-member delivery of posts. The apps add the SMTP
 * listener and start the workers.
 */
@Module({
  imports: [IngressModule, DeliveryModule, EmbargoModule, ReportsModule, RelayAnswersModule, DrillModule],
  providers: [
    ...ownersQueries,
    RelayNotices,
    OwnerMail,
    Bounces,
    ...postStages,
    PostPipeline,
    InboundProcessor,
    KeyExpiryWarnings,
    CatchUp,
    ...memberMailProviders,
    StatusStatement,
    DrillAckStatement,
    ReportMail,
    ...fanOutProviders,
  ],
  exports: [IngressModule, InboundProcessor, KeyExpiryWarnings, CatchUp, AckStatements, ...fanOutProviders],
})
export class RelayPipelineModule {}
