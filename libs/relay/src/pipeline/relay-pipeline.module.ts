import { Module } from '@nestjs/common';
import { DeliveryModule } from '@cordon/delivery';
import { EmbargoModule } from '@cordon/embargo';
import { fanOutProviders } from '../fan-out';
import { IngressModule } from '../ingress';
import { Bounces } from './bounces';
import { InboundProcessor } from './inbound-processor';
import { KeyExpiryWarnings } from './key-expiry-warnings';
import { memberMailProviders } from './member-mail';
import { OwnerMail } from './owner-mail';
import { RelayNotices } from './notices';
import { LinkEmbargoStage } from './embargo-stage';
import { OpenStage, ReplayStage, SealStage, SelectRecipientsStage } from './stages';

/**
 * The relay's domain: ingress store and queue, the post pipeline, and the per-member delivery of
 * posts. The apps add the SMTP listener and start the workers.
 */
@Module({
  imports: [IngressModule, DeliveryModule, EmbargoModule],
  providers: [
    RelayNotices,
    OwnerMail,
    Bounces,
    OpenStage,
    ReplayStage,
    LinkEmbargoStage,
    SelectRecipientsStage,
    SealStage,
    InboundProcessor,
    KeyExpiryWarnings,
    ...memberMailProviders,
    ...fanOutProviders,
  ],
  exports: [IngressModule, InboundProcessor, KeyExpiryWarnings, ...fanOutProviders],
})
export class RelayPipelineModule {}
