import { Module } from '@nestjs/common';
import { AuditModule } from '@cordon/audit';
import { CryptoModule } from '@cordon/crypto';
import { DeliveryModule } from '@cordon/delivery';
import { EmbargoModule } from '@cordon/embargo';
import { MaintainersModule } from '@cordon/maintainers';

const providers: never[] = [];

/** Private vulnerability reports, from intake to the embargo made from them (docs/architecture.md, flow "Report"). */
@Module({
  imports: [AuditModule, CryptoModule, DeliveryModule, MaintainersModule, EmbargoModule],
  providers,
  exports: [...providers, EmbargoModule],
})
export class ReportsModule {}
