import { Module } from '@nestjs/common';
import { DeliveryModule } from '@cordon/delivery';
import { EmbargoModule } from '@cordon/embargo';
import { ApplicationReviewQueries } from './queries/application-review';
import { ApplicationStatusPage } from './queries/application-status-page';
import { MemberQueries } from './queries/member-queries';
import { AnswerInfoRequest } from './use-cases/answer-info-request';
import { AskVoucher } from './use-cases/ask-voucher';
import { ChangeMemberStatus } from './use-cases/change-member-status';
import { CommentOnApplication } from './use-cases/comment-on-application';
import { ConfirmApplication } from './use-cases/confirm-application';
import { DecideApplication } from './use-cases/decide-application';
import { ImportMember } from './use-cases/import-member';
import { RecordVouch } from './use-cases/record-vouch';
import { SubmitApplication } from './use-cases/submit-application';

const useCases = [
  SubmitApplication,
  ConfirmApplication,
  RecordVouch,
  DecideApplication,
  AnswerInfoRequest,
  CommentOnApplication,
  ChangeMemberStatus,
  ImportMember,
  ApplicationReviewQueries,
  ApplicationStatusPage,
  MemberQueries,
];

@Module({
  imports: [DeliveryModule, EmbargoModule],
  providers: [AskVoucher, ...useCases],
  exports: useCases,
})
export class MembershipModule {}
