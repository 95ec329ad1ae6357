import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { DomainError } from '@cordon/errors';
import { isLocked, recordFailure } from './login-attempts';
import { Maintainer } from './maintainer.entity';
import { codeRefused } from './refusals';
import { checkCode, normaliseCode } from './totp';
import { TotpSecrets } from './totp-secrets';

/**
 * Checks a TOTP code for a maintainer row locked by the caller's transaction. Wrong and replayed
 * codes count towards the same lock as wrong passwords, so guessing codes is bounded too.
 * Returns the refusal rather than throwing it, so the caller can commit the count first.
 */
@Injectable()
export class CodeCheck {
  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly secrets: TotpSecrets,
    private readonly audit: AuditLog,
  ) {}

  async check(
    manager: EntityManager,
    maintainer: Maintainer,
    code: string,
    step: 'totp' | 'totp_enrolment',
  ): Promise<{ step: number } | DomainError> {
    const now = new Date();
    const secret = this.secrets.open(maintainer);
    const lastStep = maintainer.totpLastStep === null ? null : Number(maintainer.totpLastStep);
    const verdict =
      isLocked(maintainer, now) || !secret ? null : checkCode(secret, normaliseCode(code), lastStep, now.getTime());
    if (verdict?.ok) return { step: verdict.step };

    const reason = verdict ? verdict.reason : 'locked';
    const counted = verdict
      ? await recordFailure(manager, maintainer, this.settings.LOGIN_MAX_ATTEMPTS, now)
      : undefined;
    await this.audit.append(manager, {
      actor: `maintainer:${maintainer.id}`,
      action: 'maintainer.login_failed',
      subject: `maintainer:${maintainer.id}`,
      details: { step, reason, ...(counted ?? {}) },
    });
    return codeRefused(reason);
  }
}
