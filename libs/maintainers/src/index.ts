import { ApiToken } from './api-token.entity';
import { Maintainer } from './maintainer.entity';
import { MaintainerRecoveryCode } from './recovery-code.entity';
import { MaintainerKeyProposal } from './maintainer-key-proposal.entity';

export { Maintainer, MaintainerStatus, MaintainerIdentity, maintainerStatuses } from './maintainer.entity';
export { ApiToken };
export { MaintainersModule } from './maintainers.module';
export { AddMaintainer, NewMaintainer, AddedMaintainer } from './add-maintainer';
export { AddMaintainerAsMaintainer, MaintainerAddsMaintainer, MaintainerAdded } from './add-maintainer-as-maintainer';
export { ProposeMaintainerKey, MaintainerKeyProposalRequest, MaintainerKeyProposed } from './propose-maintainer-key';
export { ConfirmMaintainerKey, MaintainerKeyConfirmation } from './confirm-maintainer-key';
export { MaintainerKeyProposal };
export { OpenEnrolmentLink } from './open-enrolment-link';
export { CompleteEnrolment } from './complete-enrolment';
export { AuthenticatePassword, PasswordAccepted } from './authenticate-password';
export { StartTotpEnrolment, TotpProvisioning } from './start-totp-enrolment';
export { ConfirmTotpEnrolment, TotpEnrolled } from './confirm-totp-enrolment';
export { RegenerateRecoveryCodes } from './regenerate-recovery-codes';
export { RecoveryCodesLeft } from './recovery-codes-left';
export { ResetMaintainerTotp, TotpReset, TotpResetRequest, TotpResetActor } from './reset-maintainer-totp';
export { MaintainerRecoveryCode };
export { VerifyTotpLogin } from './verify-totp-login';
export { RecordLogout } from './record-logout';
export { FindActiveMaintainer } from './find-active-maintainer';
export {
  ChangeMaintainerStanding,
  StandingChange,
  StandingChangeRequest,
  StandingChanged,
} from './change-maintainer-standing';
export { ListMaintainers, MaintainerSummary } from './list-maintainers';
export { CreateApiToken, CreatedApiToken } from './create-api-token';
export { ListApiTokens, ApiTokenSummary } from './list-api-tokens';
export { RevokeApiToken } from './revoke-api-token';
export { AuthenticateApiToken } from './authenticate-api-token';
export { PASSWORD_MIN, PASSWORD_MAX } from './password';
export const maintainersEntities = [Maintainer, ApiToken, MaintainerRecoveryCode, MaintainerKeyProposal];
export { MaintainerLookup, MaintainerOutline, MaintainerMailbox } from './maintainer-lookup';
export { KeyClaims, KeyClaim } from './key-claims';
export { MaintainerDirectoryModule } from './maintainer-directory.module';
export { MaintainerDirectoryAnswers } from './maintainer-directory-answers';
export { PostingMaintainerKeys, MaintainerSigningKey } from './posting-maintainer-keys';
