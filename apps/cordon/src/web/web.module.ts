import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { DeliveryModule } from '@cordon/delivery';
import { EmbargoModule } from '@cordon/embargo';
import { MaintainersModule } from '@cordon/maintainers';
import { MembershipModule } from '@cordon/membership';
import { coreModules, Runtime } from '@cordon/runtime';
import { AdminModule } from './admin/admin.module';
import { ApiModule } from './api/api.module';
import { DomainErrorFilter } from './http/domain-error.filter';
import { MemberModule } from './member/member.module';
import { HealthController } from './ops/health.controller';
import { MetricsController } from './ops/metrics.controller';
import { PublicModule } from './public/public.module';

/**
 * The web app: public forms, member pages, admin UI and JSON API. Throttling is opt-in per route
 * (@Throttle on logins and public forms), with a generous default for everything else.
 */
@Module({})
export class WebModule {
  static forRuntime(runtime: Runtime): DynamicModule {
    return {
      module: WebModule,
      imports: [
        ...coreModules(runtime),
        ThrottlerModule.forRoot([{ name: 'default', ttl: 60_000, limit: 600 }]),
        DeliveryModule,
        EmbargoModule,
        MembershipModule,
        MaintainersModule,
        PublicModule,
        AdminModule,
        MemberModule,
        ApiModule,
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: APP_FILTER, useClass: DomainErrorFilter },
        { provide: APP_GUARD, useClass: ThrottlerGuard },
      ],
    };
  }
}
