import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { DomainError } from '@cordon/errors';
import { CodeCheck } from './code-check';
import { lockMaintainer, recordSuccess, throttleAddress } from './login-throttle';
import { identityOf, Maintainer, MaintainerIdentity } from './maintainer.entity';
import { issueRecoveryCodes, RECOVERY_CODE_COUNT } from './recovery-codes';
import { loginExpired } from './refusals';

export interface TotpEnrolled {
  maintainer: MaintainerIdentity;
  /** In clear, for the page after enrolment to show once; only their hashes are kept (recovery-codes.ts). */
  recoveryCodes: string[];
}

/**
 * The first code from the new authenticator app proves it holds the seed: the maintainer becomes
 * active and is logged in, and gets its one-time recovery codes, for the day it loses the app.
 * A wrong code counts as a failed login, as at every later login.
 */
@Injectable()
export class ConfirmTotpEnrolment {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly codes: CodeCheck,
    private readonly audit: AuditLog,
  ) {}

  /** `clientAddress`: where the attempt comes from (the web app's req.ip). */
  async execute(maintainerId: string, code: string, clientAddress: string | undefined): Promise<TotpEnrolled> {
    const address = throttleAddress(clientAddress);
    const outcome = await this.dataSource.transaction(async (manager) => {
      const maintainer = await lockMaintainer(manager, maintainerId);
      if (!maintainer || maintainer.status !== 'invited' || !maintainer.passwordHash || !maintainer.totpSecretSealed) {
        return loginExpired();
      }
      const verdict = await this.codes.check(manager, maintainer, code, 'totp_enrolment', address);
      if (verdict instanceof DomainError) return verdict;
      await manager.update(Maintainer, { id: maintainerId }, { status: 'active', totpLastStep: String(verdict.step) });
      await recordSuccess(manager, maintainerId, address);
      const subject = `maintainer:${maintainerId}`;
      await this.audit.append(manager, { actor: subject, action: 'maintainer.totp_enrolled', subject });
      const recoveryCodes = await issueRecoveryCodes(manager, maintainerId);
      await this.audit.append(manager, {
        actor: subject,
        action: 'maintainer.recovery_codes_issued',
        subject,
        details: { count: RECOVERY_CODE_COUNT },
      });
      await this.audit.append(manager, { actor: subject, action: 'maintainer.login', subject });
      return { maintainer: identityOf(maintainer), recoveryCodes };
    });
    if (outcome instanceof DomainError) throw outcome;
    return outcome;
  }
}
