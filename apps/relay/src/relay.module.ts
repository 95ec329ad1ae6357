import { DynamicModule, Module } from '@nestjs/common';
import { DeliveryModule } from '@cordon/delivery';
import { MembershipModule } from '@cordon/membership';
import { IngressModule, MaintainerDigestModule, RelayPipelineModule } from '@cordon/relay';
import { coreModules, Runtime } from '@cordon/runtime';
import { IngressServer } from './smtp/ingress-server';
import { MailIntake } from './smtp/mail-intake';

/**
 * The relay app: the SMTP/LMTP ingress that stores what the list is sent, and the delivery worker
 * that drains the outbound queue. Neither starts itself; the entry point starts the roles it runs.
 */
@Module({})
export class RelayModule {
  static forRuntime(runtime: Runtime): DynamicModule {
    return {
      module: RelayModule,
      imports: [
        ...coreModules(runtime),
        DeliveryModule,
        IngressModule,
        RelayPipelineModule,
        MembershipModule,
        MaintainerDigestModule,
      ],
      providers: [MailIntake, IngressServer],
    };
  }
}
