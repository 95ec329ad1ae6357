import { Module } from '@nestjs/common';
import { MaintainersModule } from '@cordon/maintainers';
import { MaintainerSessionGuard } from './maintainer-session.guard';

/**
 * The admin UI's gate. Modules whose controllers use MaintainerSessionGuard import this one; it
 * re-exports MaintainersModule because the guard resolves its dependencies in their module.
 */
@Module({
  imports: [MaintainersModule],
  providers: [MaintainerSessionGuard],
  exports: [MaintainerSessionGuard, MaintainersModule],
})
export class AdminAuthModule {}
