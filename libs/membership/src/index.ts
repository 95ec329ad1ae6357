import { Ban } from './bans/ban.entity';
import { ApplicationComment } from './entities/application-comment.entity';
import { Application } from './entities/application.entity';
import { Member } from './entities/member.entity';
import { Vouch } from './entities/vouch.entity';
import { Invitation } from './invitations/invitation.entity';
import { MemberKeyProposal } from './self-service/member-key-proposal.entity';
import { MemberEmailChange } from './self-service/member-email-change.entity';
import { TeamMemberAcknowledgement } from './team/team-member-acknowledgement.entity';
import { TeamMember } from './team/team-member.entity';

export { Application, ApplicationComment, Member, Vouch };
export { ApplicationStatus, applicationStatuses, Evidence } from './entities/application.entity';
export { MemberStatus, memberStatuses } from './entities/member.entity';
export { SubmitApplication, ApplicationForm, SubmittedApplication } from './use-cases/submit-application';
export { ConfirmApplication } from './use-cases/confirm-application';
export { RecordVouch, VouchDecision } from './use-cases/record-vouch';
export { DecideApplication, Decision } from './use-cases/decide-application';
export { AnswerInfoRequest } from './use-cases/answer-info-request';
export { CommentOnApplication } from './use-cases/comment-on-application';
export { ChangeMemberStatus, MemberAction } from './use-cases/change-member-status';
export { ImportMember, MemberImport } from './use-cases/import-member';
export { ImportList, ListImport, ListImportReport, ImportVerdict } from './use-cases/import-list';
export { ApplicationReviewQueries, ApplicationReview, ApplicationSummary } from './queries/application-review';
export { ApplicationStatusPage, ApplicantView } from './queries/application-status-page';
export { FirstMembers } from './queries/first-members';
export { ApplicationsWaiting, WaitingApplication } from './queries/applications-waiting';
export { MemberQueries, MemberSummary } from './queries/member-queries';
export { MembershipModule } from './membership.module';
export { TeamMember, TeamMemberAcknowledgement, MemberKeyProposal };
export { RegisterTeamMember, TeamMemberForm, TEAM_MAX } from './team/register-team-member';
export { WithdrawTeamMember } from './team/withdraw-team-member';
export { RemindTeamMember } from './team/remind-team-member';
export { AcknowledgeAsTeamMember, TeamAcknowledgementPage } from './team/acknowledge-as-team-member';
export { TeamQueries, TeamMemberView, TeamAcknowledgementView } from './team/team-queries';
export { RequestMemberLink, MEMBER_LINKS_PER_HOUR } from './self-service/request-member-link';
export { OpenMemberSession } from './self-service/open-member-session';
export { MemberAccount, MemberIdentity, MemberAccountView } from './self-service/member-account';
export { AcknowledgeCurrentPolicy } from './self-service/acknowledge-current-policy';
export { AcknowledgedPolicyVersion } from './policy/acknowledged-policy-version';
export { LeaveList } from './self-service/leave-list';
export { ProposeMemberKey } from './self-service/propose-member-key';
export { ConfirmMemberKey } from './self-service/confirm-member-key';
export { ProposeMemberEmail, EMAIL_CHANGES_PER_HOUR } from './self-service/propose-member-email';
export { ConfirmMemberEmail, ConfirmedEmailChange } from './self-service/confirm-member-email';
export { ADDRESS_UNAVAILABLE } from './self-service/address-in-use';
export { MemberEmailChange };
export {
  PolicyAcknowledgements,
  PolicyVersionAcknowledgements,
  PolicyAcknowledgementRow,
} from './queries/policy-acknowledgements';
export { Ban };
export { BanKind, banKinds } from './bans/ban.entity';
export { Bans, BANNED_MESSAGE, normalisedBanValue } from './bans/bans';
export { ReattestationRequests, ReattestationRound } from './reattestation/reattestation-requests';
export { ReattestMember, Reattested } from './reattestation/reattest-member';
export {
  ReattestationQueries,
  ReattestationOverview,
  ReattestationRow,
  ReattestationState,
  MemberReattestation,
} from './reattestation/reattestation-queries';
export { ATTESTATION_EVIDENCE_MAX, NOT_REATTESTED_REASON } from './reattestation/reattestation-rules';
export { Invitation };
export { InvitationState, invitationState } from './invitations/invitation.entity';
export { InviteDistributor, InvitationRequest, IssuedInvitation } from './invitations/invite-distributor';
export { RevokeInvitation } from './invitations/revoke-invitation';
export { InvitationQueries, InvitationRow, InvitedBy } from './invitations/invitation-queries';
export const membershipEntities = [
  Application,
  ApplicationComment,
  Member,
  Vouch,
  Ban,
  TeamMember,
  TeamMemberAcknowledgement,
  MemberKeyProposal,
  Invitation,
  MemberEmailChange,
];
export { MemberLookup, MemberOutline, MemberMailbox } from './queries/member-lookup';
export {
  eligibility,
  completeVerdict,
  copyFate,
  ELIGIBILITY_RULES,
  EligibilityRule,
  MemberStanding,
  PostCircumstances,
  Verdict,
} from './eligibility/eligibility';
export {
  INELIGIBILITY,
  Ineligibility,
  RecordedIneligibility,
  ineligibilities,
  ineligibilityRecordedAs,
} from './eligibility/ineligibility';
export { ineligibilitySql, onTheListSql, EligibilityParams } from './eligibility/eligibility-sql';
export {
  MemberEligibilityQueries,
  EligibilityCandidate,
  CurrentMember,
} from './eligibility/member-eligibility-queries';
export { MemberKeyClaims } from './bans/member-key-claims';
export { MembershipReadings, CountRow } from './queries/membership-readings';
export { MemberRemoval } from './use-cases/member-removal';
export { PostsOnRecord } from './use-cases/posts-on-record';
export { MemberSigningKeys, MemberSigningKey } from './queries/member-signing-keys';
export { KeysExpiringSoon, ExpiringMemberKey } from './queries/keys-expiring-soon';
export { ConfirmedApplicantKey } from './queries/confirmed-applicant-key';
export { DrillRecipients, DrillRecipient } from './queries/drill-recipients';
export { normaliseProducts, PRODUCTS_MAX } from './products/products';
export { SetMemberProducts } from './products/set-member-products';
export { AudienceRule, inAudience } from './eligibility/eligibility';
export { eligibilityParamsFrom, eligibilityParamValues } from './eligibility/eligibility-sql';
