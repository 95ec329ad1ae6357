import { DynamicModule, Module } from '@nestjs/common';
import { DeliveryModule } from '@cordon/delivery';
import { MembershipModule } from '@cordon/membership';
import { IngressModule, MaintainerDigestModule, RelayPipelineModule } from '@cordon/relay';
import { ReportsModule } from '@cordon/reports';
import { coreModules, Runtime } from '@cordon/runtime';
import { IngressServer } from './smtp/ingress-server';
import { MailIntake } from './smtp/mail-intake';

/**
 * The relay role: the SMTP/LMTP ingress that stores what the list is sent, the post pipeline that
 * drains what it stored, and the timed jobs. Nothing starts itself: the composition root
 * (service/compose-service.ts) starts what the role runs. It relies on the core modules, which are
 * global: `forRuntime` adds them for the relay alone (tests, benchmarks); the service adds them once
 * for all the roles of its process.
 */
@Module({
  imports: [
    DeliveryModule,
    IngressModule,
    RelayPipelineModule,
    MembershipModule,
    MaintainerDigestModule,
    ReportsModule,
  ],
  providers: [MailIntake, IngressServer],
})
export class RelayModule {
  static forRuntime(runtime: Runtime): DynamicModule {
    return { module: RelayModule, imports: coreModules(runtime) };
  }
}
