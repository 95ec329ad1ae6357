import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { MaintainersModule } from '@cordon/maintainers';
import { MaintainerPasswordStrategy } from './maintainer-password.strategy';
import { MaintainerSessionGuard } from './maintainer-session.guard';
import { MaintainerTotpStrategy } from './maintainer-totp.strategy';

/**
 * The admin UI's gate: the two login steps' passport strategies, and MaintainerSessionGuard for the
 * pages after. Modules whose controllers use the guard import this one; it re-exports
 * MaintainersModule because the guard resolves its dependencies in their module.
 */
@Module({
  imports: [PassportModule, MaintainersModule],
  providers: [MaintainerPasswordStrategy, MaintainerTotpStrategy, MaintainerSessionGuard],
  exports: [MaintainerSessionGuard, MaintainersModule],
})
export class AdminAuthModule {}
