import { Module } from '@nestjs/common';
import { EmbargoModule } from '@cordon/embargo';
import { MembershipModule } from '@cordon/membership';
import { PostStatusModule } from '@cordon/relay';
import { AdminPostsController } from './posts.controller';
import { AdminApplicationsController } from './applications.controller';
import { AdminEmbargoesController } from './embargoes.controller';
import { AdminMembersController } from './members.controller';
import {
  AdminAuthModule,
  AdminEnrolmentController,
  AdminLoginController,
  AdminMaintainersController,
  AdminTokensController,
  AdminTotpController,
} from './auth';

/** The admin UI under /admin: every page but the login steps sits behind MaintainerSessionGuard. */
@Module({
  imports: [AdminAuthModule, MembershipModule, PostStatusModule, EmbargoModule],
  controllers: [
    AdminLoginController,
    AdminTotpController,
    AdminEnrolmentController,
    AdminMaintainersController,
    AdminTokensController,
    AdminApplicationsController,
    AdminMembersController,
    AdminPostsController,
    AdminEmbargoesController,
  ],
})
export class AdminModule {}
