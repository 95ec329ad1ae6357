import { Module } from '@nestjs/common';
import { EmbargoModule } from '@cordon/embargo';
import { MembershipModule } from '@cordon/membership';
import { DrillModule, PostStatusModule } from '@cordon/relay';
import { ReportsModule } from '@cordon/reports';
import { PostsApiController } from './posts-api.controller';
import { ApplicationsApiController } from './applications-api.controller';
import { EmbargoesApiController } from './embargoes-api.controller';
import { EmbargoStatusesApiController } from './embargo-statuses-api.controller';
import { InvitationsApiController } from './invitations-api.controller';
import { LeaksApiController } from './leaks-api.controller';
import { DrillsApiController } from './drills-api.controller';
import { MaintainersApiController } from './maintainers-api.controller';
import { MaintainerTotpApiController } from './maintainer-totp-api.controller';
import { MembersApiController } from './members-api.controller';
import { PolicyApiController } from './policy-api.controller';
import { ReportsApiController } from './reports-api.controller';
import { ApiAuthModule, ApiTokensController } from './auth';
import { AudienceChanges } from '../admin/audience-changes';
import { AudienceApiController } from './audience-api.controller';

/** The JSON API under /api, for maintainers' scripts; every route sits behind ApiTokenGuard. */
@Module({
  imports: [ApiAuthModule, MembershipModule, PostStatusModule, EmbargoModule, ReportsModule, DrillModule],
  controllers: [
    ApiTokensController,
    ApplicationsApiController,
    InvitationsApiController,
    MembersApiController,
    PostsApiController,
    EmbargoesApiController,
    EmbargoStatusesApiController,
    LeaksApiController,
    DrillsApiController,
    ReportsApiController,
    MaintainersApiController,
    MaintainerTotpApiController,
    PolicyApiController,
    AudienceApiController,
  ],
  providers: [AudienceChanges],
})
export class ApiModule {}
