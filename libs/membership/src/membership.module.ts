import { Module } from '@nestjs/common';
import { DeliveryModule } from '@cordon/delivery';
import { MaintainerDirectoryModule } from '@cordon/maintainers';
import { PolicyModule } from '@cordon/policy';
import { Bans } from './bans/bans';
import { MemberKeyClaims } from './bans/member-key-claims';
import { InvitationLinks } from './invitations/invitation-links';
import { InvitationQueries } from './invitations/invitation-queries';
import { InviteDistributor } from './invitations/invite-distributor';
import { RevokeInvitation } from './invitations/revoke-invitation';
import { ApplicationReviewQueries } from './queries/application-review';
import { ApplicationStatusPage } from './queries/application-status-page';
import { FirstMembers } from './queries/first-members';
import { MemberQueries } from './queries/member-queries';
import { AnswerInfoRequest } from './use-cases/answer-info-request';
import { AskVoucher } from './use-cases/ask-voucher';
import { ChangeMemberStatus } from './use-cases/change-member-status';
import { CommentOnApplication } from './use-cases/comment-on-application';
import { ConfirmApplication } from './use-cases/confirm-application';
import { DecideApplication } from './use-cases/decide-application';
import { ImportList } from './use-cases/import-list';
import { PostsOnRecord } from './use-cases/posts-on-record';
import { ImportMember } from './use-cases/import-member';
import { RecordVouch } from './use-cases/record-vouch';
import { ReattestMember } from './reattestation/reattest-member';
import { ReattestationQueries } from './reattestation/reattestation-queries';
import { ReattestationRequests } from './reattestation/reattestation-requests';
import { SubmitApplication } from './use-cases/submit-application';
import { AcknowledgeCurrentPolicy } from './self-service/acknowledge-current-policy';
import { LeaveList } from './self-service/leave-list';
import { SetMemberProducts } from './products/set-member-products';
import { ConfirmMemberKey } from './self-service/confirm-member-key';
import { MemberAccount } from './self-service/member-account';
import { OpenMemberSession } from './self-service/open-member-session';
import { ProposeMemberKey } from './self-service/propose-member-key';
import { ProposeMemberEmail } from './self-service/propose-member-email';
import { ConfirmMemberEmail } from './self-service/confirm-member-email';
import { PolicyAcknowledgements } from './queries/policy-acknowledgements';
import { AcknowledgedPolicyVersion } from './policy/acknowledged-policy-version';
import { RequestMemberLink } from './self-service/request-member-link';
import { AcknowledgeAsTeamMember } from './team/acknowledge-as-team-member';
import { RegisterTeamMember } from './team/register-team-member';
import { RemindTeamMember } from './team/remind-team-member';
import { TeamLinks } from './team/team-links';
import { TeamQueries } from './team/team-queries';
import { WithdrawTeamMember } from './team/withdraw-team-member';

const useCases = [
  SubmitApplication,
  ConfirmApplication,
  RecordVouch,
  DecideApplication,
  AnswerInfoRequest,
  CommentOnApplication,
  ChangeMemberStatus,
  ImportMember,
  ImportList,
  ApplicationReviewQueries,
  ApplicationStatusPage,
  FirstMembers,
  MemberQueries,
  Bans,
  RequestMemberLink,
  OpenMemberSession,
  MemberAccount,
  AcknowledgeCurrentPolicy,
  LeaveList,
  SetMemberProducts,
  ProposeMemberKey,
  ConfirmMemberKey,
  ProposeMemberEmail,
  ConfirmMemberEmail,
  PolicyAcknowledgements,
  RegisterTeamMember,
  WithdrawTeamMember,
  RemindTeamMember,
  AcknowledgeAsTeamMember,
  TeamQueries,
  ReattestationRequests,
  ReattestMember,
  ReattestationQueries,
  InviteDistributor,
  RevokeInvitation,
  InvitationQueries,
];

@Module({
  // MaintainerDirectoryModule: membership claims its members' keys there, and a container with
  // membership has what the maintainers lib answers for the libs below it.
  imports: [DeliveryModule, PolicyModule, MaintainerDirectoryModule],
  providers: [
    AskVoucher,
    TeamLinks,
    InvitationLinks,
    AcknowledgedPolicyVersion,
    MemberKeyClaims,
    PostsOnRecord,
    ...useCases,
  ],
  // PostsOnRecord: the relay, above membership, tells it whether posts exist (RelayAnswers).
  exports: [...useCases, PostsOnRecord],
})
export class MembershipModule {}
