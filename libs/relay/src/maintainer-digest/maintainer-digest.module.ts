import { Module } from '@nestjs/common';
import { DeliveryModule } from '@cordon/delivery';
import { DateObjections, EmbargoModule } from '@cordon/embargo';
import { ApplicationsWaiting, MembershipModule } from '@cordon/membership';
import { ReportsModule } from '@cordon/reports';
import { BounceStreaks } from '../fan-out';
import { MemberAnswersModule } from '../member-answers/member-answers.module';
import { MaintainerDigest } from './maintainer-digest';
import { WaitingForMaintainers } from './waiting-for-maintainers';

/**
 * What waits for the maintainers: the list (for the admin home page) and the digest job (for the
 * relay, which starts it). Needs the global DataSource, SETTINGS and AuditLog.
 */
@Module({
  imports: [DeliveryModule, EmbargoModule, MembershipModule, MemberAnswersModule, ReportsModule],
  providers: [ApplicationsWaiting, DateObjections, BounceStreaks, WaitingForMaintainers, MaintainerDigest],
  exports: [WaitingForMaintainers, MaintainerDigest, BounceStreaks],
})
export class MaintainerDigestModule {}
