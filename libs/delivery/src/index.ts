import { OutboundMessage } from './outbound-message.entity';

export { OutboundMessage, OutboundStatus } from './outbound-message.entity';
export { Outbox, MailToSend, NON_MEMBER_REPLY_DAYS } from './outbox';
export { claimAutoReply } from './auto-replies';
export { DeliveryWorker } from './delivery-worker';
export { PollingLoop } from './polling-loop';
export { AuditCheckpoints, CheckpointDecision, CheckpointReason } from './audit-checkpoints';
export { DeliveryModule } from './delivery.module';
export { MailTransport, TransportFailure } from './mail-transport';
export { OutgoingMail } from './mail-transport';
export { CLAIM_LEASE_MS } from './delivery-worker';
export { nextAttemptAt } from './retry-schedule';
export { transportFor } from './delivery.module';
export { SmtpTransport } from './smtp-transport';
export { headerLine, HeaderValue, protectedMultipart, ProtectedHeaderFields } from './protected-headers';
export const deliveryEntities = [OutboundMessage];
export { QueuedMail } from './queued-mail';
export { MaintainerMailboxes, Mailbox, MailboxSource } from './maintainer-mailboxes';
