import { Module } from '@nestjs/common';
import { DeliveryModule } from '@cordon/delivery';
import { AcknowledgementFollowUps } from './acknowledgement-follow-ups';
import { Policies } from './policies';
import { PolicyHistory } from './policy-history';
import { PolicyReaders } from './policy-readers';
import { PublishPolicy } from './publish-policy';
import { PublisherNames } from './publisher-names';

const providers = [Policies, PublishPolicy, PolicyHistory, AcknowledgementFollowUps, PolicyReaders, PublisherNames];

@Module({ imports: [DeliveryModule], providers, exports: providers })
export class PolicyModule {}
