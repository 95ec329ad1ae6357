import { Module } from '@nestjs/common';
import { SETTINGS, Settings } from '@cordon/config';
import { InboundQueue } from './inbound-queue';
import { InboundRetention } from './inbound-retention';
import { InboundStore } from './inbound-store';
import { ListAddresses } from './list-addresses';

/**
 * The inbound side of the relay, without any listener: the list's addresses, the store the SMTP
 * session commits to, and the queue the post pipeline drains. Relies on the global providers of
 * the core modules: DataSource (persistence), SETTINGS (config) and AuditLog (audit).
 */
@Module({
  providers: [
    {
      provide: ListAddresses,
      useFactory: (settings: Settings) => new ListAddresses(settings.LIST_ADDRESS),
      inject: [SETTINGS],
    },
    InboundStore,
    InboundQueue,
    InboundRetention,
  ],
  exports: [ListAddresses, InboundStore, InboundQueue, InboundRetention],
})
export class IngressModule {}
