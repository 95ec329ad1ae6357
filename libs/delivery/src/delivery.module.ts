import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { SETTINGS, Settings } from '@cordon/config';
import { DeliveryWorker } from './delivery-worker';
import { FileTransport } from './file-transport';
import { MailTransport } from './mail-transport';
import { Outbox } from './outbox';
import { SmtpTransport } from './smtp-transport';

/** The relay when OUTBOUND_SMTP_URL is set, `.eml` files under DATA_DIR/outbox otherwise (DESIGN.md). */
export function transportFor(settings: Settings): MailTransport {
  return settings.OUTBOUND_SMTP_URL
    ? new SmtpTransport(settings.OUTBOUND_SMTP_URL)
    : new FileTransport(join(settings.dataDir, 'outbox'));
}

/**
 * The outbound queue and its worker. Relies on the global providers of the core modules:
 * DataSource (persistence), SETTINGS (config), ListKey (crypto) and AuditLog (audit).
 * The worker does not start itself: the app that runs it calls `start()`.
 */
@Module({
  providers: [Outbox, DeliveryWorker, { provide: MailTransport, useFactory: transportFor, inject: [SETTINGS] }],
  exports: [Outbox, DeliveryWorker],
})
export class DeliveryModule {}
