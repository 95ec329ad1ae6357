import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { SETTINGS, Settings } from '@cordon/config';
import { AuditCheckpoints } from './audit-checkpoints';
import { DeliveryWorker } from './delivery-worker';
import { FileTransport } from './file-transport';
import { MailTransport } from './mail-transport';
import { MaintainerMailboxes } from './maintainer-mailboxes';
import { Outbox } from './outbox';
import { SmtpTransport } from './smtp-transport';

/** The relay when OUTBOUND_SMTP_URL is set, `.eml` files under DATA_DIR/outbox otherwise (docs/architecture.md). */
export function transportFor(settings: Settings): MailTransport {
  return settings.OUTBOUND_SMTP_URL
    ? new SmtpTransport(settings.OUTBOUND_SMTP_URL, settings.OUTBOUND_SMTP_CONNECTIONS)
    : new FileTransport(join(settings.dataDir, 'outbox'));
}

/**
 * The outbound queue and its worker, and the audit checkpoints mailed through it. Relies on the
 * global providers of the core modules: DataSource (persistence), SETTINGS (config), ListKey
 * (crypto) and AuditLog (audit). The workers do not start themselves: the app that runs them calls `start()`.
 */
@Module({
  providers: [
    Outbox,
    DeliveryWorker,
    AuditCheckpoints,
    MaintainerMailboxes,
    { provide: MailTransport, useFactory: transportFor, inject: [SETTINGS] },
  ],
  exports: [Outbox, DeliveryWorker, AuditCheckpoints, MaintainerMailboxes],
})
export class DeliveryModule {}
