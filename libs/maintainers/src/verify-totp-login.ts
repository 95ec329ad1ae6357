import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { DomainError } from '@cordon/errors';
import { CodeCheck } from './code-check';
import { lockMaintainer, recordSuccess, throttleAddress } from './login-throttle';
import { identityOf, Maintainer, MaintainerIdentity } from './maintainer.entity';
import { RecoveryCodeCheck } from './recovery-code-check';
import { looksLikeRecoveryCode } from './recovery-codes';
import { loginExpired } from './refusals';

/**
 * The second login step of an active maintainer: the current code from the authenticator app, or,
 * without the app, one of its one-time recovery codes (recovery-code-check.ts). The two cannot be
 * confused: a TOTP code is 6 digits, a recovery code 16 letters.
 */
@Injectable()
export class VerifyTotpLogin {
  constructor(
    private readonly dataSource: DataSource,
    private readonly codes: CodeCheck,
    private readonly recoveryCodes: RecoveryCodeCheck,
    private readonly audit: AuditLog,
  ) {}

  /** `clientAddress`: where the attempt comes from (the web app's req.ip). */
  async execute(maintainerId: string, code: string, clientAddress: string | undefined): Promise<MaintainerIdentity> {
    const address = throttleAddress(clientAddress);
    const outcome = await this.dataSource.transaction(async (manager) => {
      const maintainer = await lockMaintainer(manager, maintainerId);
      if (!maintainer || maintainer.status !== 'active' || !maintainer.totpSecretSealed) return loginExpired();
      if (looksLikeRecoveryCode(code)) {
        const spent = await this.recoveryCodes.check(manager, maintainer, code, address);
        if (spent instanceof DomainError) return spent;
      } else {
        const verdict = await this.codes.check(manager, maintainer, code, 'totp', address);
        if (verdict instanceof DomainError) return verdict;
        await manager.update(Maintainer, { id: maintainerId }, { totpLastStep: String(verdict.step) });
        await recordSuccess(manager, maintainerId, address);
      }
      const subject = `maintainer:${maintainerId}`;
      await this.audit.append(manager, { actor: subject, action: 'maintainer.login', subject });
      return identityOf(maintainer);
    });
    // Thrown after the commit, so the failure count and its audit entry are kept.
    if (outcome instanceof DomainError) throw outcome;
    return outcome;
  }
}
