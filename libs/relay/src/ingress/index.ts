import { InboundMessage } from './inbound-message.entity';

export { InboundMessage, InboundStatus } from './inbound-message.entity';
export { ListAddresses, ListRecipient, RecipientKind } from './list-addresses';
export { InboundStore, ReceivedMail } from './inbound-store';
export { InboundQueue, InboundOutcome, InboundClaimLost, INBOUND_LEASE_MS } from './inbound-queue';
export { messageIdOf } from './message-id';
export { receivedRaw, storedSealed } from './sealed-raw';
export { InboundRetention } from './inbound-retention';
export { IngressModule } from './ingress.module';
export const ingressEntities = [InboundMessage];
