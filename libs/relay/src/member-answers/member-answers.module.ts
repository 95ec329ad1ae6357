import { Module } from '@nestjs/common';
import { DeliveryModule } from '@cordon/delivery';
import { EmbargoModule, EmbargoTags } from '@cordon/embargo';
import { MaintainerLookup } from '@cordon/maintainers';
import { MemberLookup } from '@cordon/membership';
import { FanOut } from '../fan-out';
import { MemberAnswerQueries } from './member-answer-queries';
import { ReleaseMemberAnswer } from './release-member-answer';

/**
 * Members' answers for the web app (issue 5): the maintainers' view, and releasing one to the
 * list. Releasing queues the copies; the relay's delivery worker sends them.
 */
@Module({
  imports: [DeliveryModule, EmbargoModule],
  providers: [FanOut, MemberAnswerQueries, ReleaseMemberAnswer, MemberLookup, EmbargoTags, MaintainerLookup],
  exports: [MemberAnswerQueries, ReleaseMemberAnswer],
})
export class MemberAnswersModule {}
