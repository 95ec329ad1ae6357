import { Module } from '@nestjs/common';
import { MembershipModule } from '@cordon/membership';
import { PostStatusModule } from '@cordon/relay';
import { PostsApiController } from './posts-api.controller';
import { ApplicationsApiController } from './applications-api.controller';
import { MembersApiController } from './members-api.controller';
import { ApiAuthModule, ApiTokensController } from './auth';

/** The JSON API under /api, for maintainers' scripts; every route sits behind ApiTokenGuard. */
@Module({
  imports: [ApiAuthModule, MembershipModule, PostStatusModule],
  controllers: [ApiTokensController, ApplicationsApiController, MembersApiController, PostsApiController],
})
export class ApiModule {}
