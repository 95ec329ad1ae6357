import { Module } from '@nestjs/common';
import { DeliveryModule } from '@cordon/delivery';
import { ChangeEmbargo } from './change-embargo';
import { EmbargoNotices } from './embargo-notices';
import { EmbargoQueries } from './embargo-queries';
import { Embargoes } from './embargoes';
import { Policies } from './policies';
import { RecipientSelector } from './recipients';

const providers = [Policies, Embargoes, EmbargoQueries, RecipientSelector, EmbargoNotices, ChangeEmbargo];

@Module({ imports: [DeliveryModule], providers, exports: providers })
export class EmbargoModule {}
