import { Module } from '@nestjs/common';
import { EmbargoModule } from '@cordon/embargo';
import { MembershipModule } from '@cordon/membership';
import { DrillModule, MaintainerDigestModule, MemberAnswersModule, PostStatusModule } from '@cordon/relay';
import { ReportsModule } from '@cordon/reports';
import { AdminHomeController } from './home.controller';
import { AdminPostsController } from './posts.controller';
import { AdminAnswersController } from './answers.controller';
import { AdminApplicationsController } from './applications.controller';
import { AdminEmbargoesController } from './embargoes.controller';
import { AdminInvitationsController } from './invitations.controller';
import { AdminLeaksController } from './leaks.controller';
import { AdminDrillsController } from './drills.controller';
import { AdminMembersController } from './members.controller';
import { AdminPolicyController } from './policy.controller';
import { AdminReportsController } from './reports.controller';
import { ReportTriage } from './report-triage';
import { AudienceChanges } from './audience-changes';
import { AdminEmbargoAudienceController } from './embargo-audience.controller';
import { AdminMemberProductsController } from './member-products.controller';
import {
  AdminAuthModule,
  AdminEnrolmentController,
  AdminLoginController,
  AdminMaintainersController,
  AdminTokensController,
  AdminTotpController,
  AdminRecoveryCodesController,
  AdminMaintainerTotpResetController,
  AdminAddMaintainerController,
  AdminMaintainerKeyController,
  AdminMaintainerKeyConfirmController,
} from './auth';

/** The admin UI under /admin: every page but the login steps sits behind MaintainerSessionGuard. */
@Module({
  imports: [
    AdminAuthModule,
    MembershipModule,
    PostStatusModule,
    EmbargoModule,
    MemberAnswersModule,
    MaintainerDigestModule,
    ReportsModule,
    DrillModule,
  ],
  providers: [ReportTriage, AudienceChanges],
  controllers: [
    AdminHomeController,
    AdminLoginController,
    AdminTotpController,
    AdminEnrolmentController,
    AdminMaintainersController,
    AdminAddMaintainerController,
    AdminMaintainerKeyController,
    AdminMaintainerKeyConfirmController,
    AdminTokensController,
    AdminRecoveryCodesController,
    AdminMaintainerTotpResetController,
    AdminApplicationsController,
    AdminInvitationsController,
    AdminMembersController,
    AdminPostsController,
    AdminEmbargoesController,
    AdminAnswersController,
    AdminLeaksController,
    AdminDrillsController,
    AdminReportsController,
    AdminPolicyController,
    AdminEmbargoAudienceController,
    AdminMemberProductsController,
  ],
})
export class AdminModule {}
