import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { LoginFailureNotices } from './login-failure-notices';
import { recordFailure, recordSuccess, waitingUntil } from './login-throttle';
import { Maintainer } from './maintainer.entity';
import { recoveryMail } from './recovery-mail';
import { spendRecoveryCode, unusedRecoveryCodes } from './recovery-codes';
import { codeRefused } from './refusals';

function recoveryCodeRefused(): DomainError {
  return new DomainError(
    'NOT_AUTHENTICATED',
    'That recovery code is not right, or it has been used already: each code works once.',
    'code',
  );
}

/**
 * A recovery code in place of the TOTP code at the second login step, for a maintainer row locked
 * by the caller's transaction. It goes through the same slow-down as a TOTP code (login-throttle.ts):
 * a wrong code counts for the (account, address) pair, and nothing is checked while the pair must
 * wait, so 80-bit codes are not guessed one request at a time either. A good code is used up, the
 * use audited, and the maintainer told by encrypted mail how many codes it has left: a stranger
 * with a code list should not go unnoticed.
 */
@Injectable()
export class RecoveryCodeCheck {
  private readonly logger = new Logger('login');

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly audit: AuditLog,
    private readonly notices: LoginFailureNotices,
    private readonly outbox: Outbox,
  ) {}

  /** Returns the codes left, or the refusal (not thrown, so the caller can commit the count first). */
  async check(
    manager: EntityManager,
    maintainer: Maintainer,
    typed: string,
    address: string,
  ): Promise<{ remaining: number } | DomainError> {
    const now = new Date();
    const subject = `maintainer:${maintainer.id}`;
    const waiting = await waitingUntil(manager, maintainer.id, address, now);
    if (waiting) {
      await this.audit.append(manager, {
        actor: subject,
        action: 'maintainer.login_failed',
        subject,
        details: { step: 'recovery_code', reason: 'address_waiting', address },
      });
      return codeRefused('address_waiting', Math.ceil((waiting.getTime() - now.getTime()) / 1000));
    }
    if (!(await spendRecoveryCode(manager, maintainer.id, typed))) {
      const counted = await recordFailure(
        manager,
        maintainer.id,
        address,
        'code',
        this.settings.LOGIN_MAX_ATTEMPTS,
        now,
      );
      await this.audit.append(manager, {
        actor: subject,
        action: 'maintainer.login_failed',
        subject,
        details: { step: 'recovery_code', reason: 'wrong_recovery_code', address, ...counted },
      });
      await this.notices.afterFailure(manager, maintainer, now);
      return recoveryCodeRefused();
    }
    await recordSuccess(manager, maintainer.id, address);
    const remaining = await unusedRecoveryCodes(manager, maintainer.id);
    await this.audit.append(manager, {
      actor: subject,
      action: 'maintainer.recovery_code_used',
      subject,
      details: { remaining, address },
    });
    await this.tell(manager, maintainer, remaining, address);
    return { remaining };
  }

  private async tell(manager: EntityManager, maintainer: Maintainer, remaining: number, address: string) {
    try {
      await this.outbox.send(manager, {
        purpose: 'maintainer.recovery_code_used',
        to: maintainer.email,
        recipientKey: maintainer.keyArmored,
        ...recoveryMail.codeUsed(this.settings.LIST_NAME, remaining, address),
      });
    } catch (error) {
      // A key that cannot take mail (expired) must not keep the maintainer out; the audit log has it.
      if (!(error instanceof DomainError)) throw error;
      this.logger.warn(`recovery code notice not sent to a maintainer whose key cannot take mail (${error.code})`);
    }
  }
}
