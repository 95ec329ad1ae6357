import { Module } from '@nestjs/common';
import { DeliveryModule } from '@cordon/delivery';
import { RelayPipelineModule } from '@cordon/relay';

/**
 * The worker role: both delivery queues, the service's own mail (DeliveryModule) and members'
 * copies of posts (the relay lib's fan-out). It relies on the global core modules, which the
 * composition root (service/compose-service.ts) adds; nothing starts itself.
 */
@Module({ imports: [DeliveryModule, RelayPipelineModule] })
export class WorkerModule {}
