import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { DomainError } from '@cordon/errors';
import { LoginFailureNotices } from './login-failure-notices';
import { recordFailure, waitingUntil } from './login-throttle';
import { Maintainer } from './maintainer.entity';
import { codeRefused } from './refusals';
import { checkCode, normaliseCode } from './totp';
import { TotpSecrets } from './totp-secrets';

/** Where a code is entered: the login, the authenticator set-up, or a re-authentication (fresh-code.ts). */
export type CodeStep = 'totp' | 'totp_enrolment' | 'reauthentication';

/**
 * Checks a TOTP code for a maintainer row locked by the caller's transaction. Wrong and replayed
 * codes slow down the (account, address) pair as wrong passwords do, so guessing codes is bounded
 * too, and the maintainer is told of them: a wrong code means the password was right.
 * Returns the refusal rather than throwing it, so the caller can commit the count first.
 */
@Injectable()
export class CodeCheck {
  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly secrets: TotpSecrets,
    private readonly audit: AuditLog,
    private readonly notices: LoginFailureNotices,
  ) {}

  async check(
    manager: EntityManager,
    maintainer: Maintainer,
    code: string,
    step: CodeStep,
    address: string,
  ): Promise<{ step: number } | DomainError> {
    const now = new Date();
    const waiting = await waitingUntil(manager, maintainer.id, address, now);
    if (waiting) {
      // Not checked while its address must wait, so it neither counts nor makes the wait longer.
      await this.recordRefusal(manager, maintainer, step, { reason: 'address_waiting', address });
      return codeRefused('address_waiting', Math.ceil((waiting.getTime() - now.getTime()) / 1000));
    }
    const secret = this.secrets.open(maintainer);
    const lastStep = maintainer.totpLastStep === null ? null : Number(maintainer.totpLastStep);
    const verdict = secret
      ? checkCode(secret, normaliseCode(code), lastStep, now.getTime())
      : ({ ok: false, reason: 'wrong_code' } as const);
    if (verdict.ok) return { step: verdict.step };

    const counted = await recordFailure(manager, maintainer.id, address, 'code', this.settings.LOGIN_MAX_ATTEMPTS, now);
    await this.recordRefusal(manager, maintainer, step, { reason: verdict.reason, address, ...counted });
    await this.notices.afterFailure(manager, maintainer, now);
    return codeRefused(verdict.reason);
  }

  private async recordRefusal(
    manager: EntityManager,
    maintainer: Maintainer,
    step: CodeStep,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.audit.append(manager, {
      actor: `maintainer:${maintainer.id}`,
      action: 'maintainer.login_failed',
      subject: `maintainer:${maintainer.id}`,
      details: { step, ...details },
    });
  }
}
