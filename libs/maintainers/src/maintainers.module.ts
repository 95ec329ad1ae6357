import { Module } from '@nestjs/common';
import { DeliveryModule } from '@cordon/delivery';
import { AddMaintainer } from './add-maintainer';
import { AddMaintainerAsMaintainer } from './add-maintainer-as-maintainer';
import { AuthenticateApiToken } from './authenticate-api-token';
import { AuthenticatePassword } from './authenticate-password';
import { ChangeMaintainerStanding } from './change-maintainer-standing';
import { CodeCheck } from './code-check';
import { CompleteEnrolment } from './complete-enrolment';
import { ConfirmMaintainerKey } from './confirm-maintainer-key';
import { ConfirmTotpEnrolment } from './confirm-totp-enrolment';
import { CreateApiToken } from './create-api-token';
import { FindActiveMaintainer } from './find-active-maintainer';
import { FreshCode } from './fresh-code';
import { ListApiTokens } from './list-api-tokens';
import { ListMaintainers } from './list-maintainers';
import { LoginFailureNotices } from './login-failure-notices';
import { MaintainerDirectoryModule } from './maintainer-directory.module';
import { OpenEnrolmentLink } from './open-enrolment-link';
import { ProposeMaintainerKey } from './propose-maintainer-key';
import { RecordLogout } from './record-logout';
import { RecoveryCodeCheck } from './recovery-code-check';
import { RecoveryCodesLeft } from './recovery-codes-left';
import { RegenerateRecoveryCodes } from './regenerate-recovery-codes';
import { ResetMaintainerTotp } from './reset-maintainer-totp';
import { RevokeApiToken } from './revoke-api-token';
import { StartTotpEnrolment } from './start-totp-enrolment';
import { TotpSecrets } from './totp-secrets';
import { VerifyTotpLogin } from './verify-totp-login';

const useCases = [
  AddMaintainer,
  OpenEnrolmentLink,
  CompleteEnrolment,
  AuthenticatePassword,
  StartTotpEnrolment,
  ConfirmTotpEnrolment,
  VerifyTotpLogin,
  RecordLogout,
  FindActiveMaintainer,
  ListMaintainers,
  CreateApiToken,
  ListApiTokens,
  RevokeApiToken,
  AuthenticateApiToken,
  ChangeMaintainerStanding,
  RegenerateRecoveryCodes,
  RecoveryCodesLeft,
  ResetMaintainerTotp,
  AddMaintainerAsMaintainer,
  ProposeMaintainerKey,
  ConfirmMaintainerKey,
];

/**
 * Maintainers and how they prove who they are. Relies on the global providers of the core modules
 * (DataSource, SETTINGS, SERVER_SECRET, OneTimeLinks, AuditLog), and on the Outbox to tell a
 * maintainer of failed logins.
 */
@Module({
  imports: [DeliveryModule, MaintainerDirectoryModule],
  providers: [...useCases, TotpSecrets, CodeCheck, FreshCode, RecoveryCodeCheck, LoginFailureNotices],
  exports: useCases,
})
export class MaintainersModule {}
