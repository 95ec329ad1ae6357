import { Module } from '@nestjs/common';
import { MaintainersModule } from '@cordon/maintainers';
import { ApiTokenGuard } from './api-token.guard';

/** The JSON API's gate; re-exports MaintainersModule because the guard resolves its dependencies there. */
@Module({
  imports: [MaintainersModule],
  providers: [ApiTokenGuard],
  exports: [ApiTokenGuard, MaintainersModule],
})
export class ApiAuthModule {}
