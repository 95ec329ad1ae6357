import { DynamicModule, Module } from '@nestjs/common';
import { DeliveryModule } from '@cordon/delivery';
import { EmbargoModule } from '@cordon/embargo';
import { MaintainersModule } from '@cordon/maintainers';
import { MembershipModule } from '@cordon/membership';
import { RelayAnswersModule } from '@cordon/relay';
import { coreModules, Runtime } from '@cordon/runtime';

/** What the operator commands need: the core plus the feature libs' use cases, no HTTP. */
@Module({})
export class CliModule {
  static forRuntime(runtime: Runtime): DynamicModule {
    return {
      module: CliModule,
      // RelayAnswersModule: what the relay answers for the libs below it (whether posts exist, for an import).
      imports: [
        ...coreModules(runtime),
        DeliveryModule,
        EmbargoModule,
        MembershipModule,
        MaintainersModule,
        RelayAnswersModule,
      ],
    };
  }
}
