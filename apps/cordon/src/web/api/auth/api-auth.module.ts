import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { MaintainersModule } from '@cordon/maintainers';
import { ApiTokenGuard } from './api-token.guard';
import { ApiTokenStrategy } from './api-token.strategy';

/** The JSON API's gate; re-exports MaintainersModule for the modules whose controllers use the guard. */
@Module({
  imports: [PassportModule, MaintainersModule],
  providers: [ApiTokenStrategy, ApiTokenGuard],
  exports: [ApiTokenGuard, MaintainersModule],
})
export class ApiAuthModule {}
