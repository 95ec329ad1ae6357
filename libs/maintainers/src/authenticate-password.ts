import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { DomainError } from '@cordon/errors';
import { LoginFailureNotices } from './login-failure-notices';
import { recordFailure, throttleAddress, waitingUntil } from './login-throttle';
import { Maintainer } from './maintainer.entity';
import { verifyPassword } from './password';
import { passwordRefused } from './refusals';

/** The password step passed: the login continues with the code, or with setting up the app. */
export interface PasswordAccepted {
  maintainerId: string;
  next: 'totp' | 'totp_enrolment';
}

/**
 * The first login step. Every refusal (unknown address, wrong password, an address made to wait
 * after failing, a disabled account, no password set yet) is the same message and takes the same
 * time; only the audit log and the database say which it was. The password itself is never
 * recorded. Failures slow down the (account, client address) pair, never the account
 * (login-throttle.ts), and the maintainer is told of them (login-failure-notices.ts).
 */
@Injectable()
export class AuthenticatePassword {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly audit: AuditLog,
    private readonly notices: LoginFailureNotices,
  ) {}

  /** `clientAddress`: where the attempt comes from (the web app's req.ip). */
  async execute(email: string, password: string, clientAddress: string | undefined): Promise<PasswordAccepted> {
    const address = throttleAddress(clientAddress);
    const outcome = await this.dataSource.transaction((manager) =>
      this.attempt(manager, email.trim(), password, address),
    );
    // Thrown after the commit, so the failure count and its audit entry are kept.
    if (outcome instanceof DomainError) throw outcome;
    return outcome;
  }

  private async attempt(
    manager: EntityManager,
    email: string,
    password: string,
    address: string,
  ): Promise<PasswordAccepted | DomainError> {
    const now = new Date();
    const maintainer = await manager
      .createQueryBuilder(Maintainer, 'm')
      .where('lower(m.email) = lower(:email)', { email })
      .setLock('pessimistic_write')
      .getOne();
    const waiting = maintainer !== null && (await waitingUntil(manager, maintainer.id, address, now)) !== null;
    const usable = maintainer !== null && !waiting && mayLogIn(maintainer) ? maintainer.passwordHash : null;
    const matches = await verifyPassword(usable, password);

    if (!maintainer || !matches) {
      const reason = refusalReason(maintainer, waiting);
      // An attempt made while its address must wait is not checked, so it neither counts nor waits longer.
      const counted =
        maintainer && !waiting
          ? await recordFailure(manager, maintainer.id, address, 'password', this.settings.LOGIN_MAX_ATTEMPTS, now)
          : undefined;
      await this.audit.append(manager, {
        actor: 'anonymous',
        action: 'maintainer.login_failed',
        subject: maintainer ? `maintainer:${maintainer.id}` : 'maintainer:unknown',
        details: { step: 'password', reason, address, ...(counted ?? {}) },
      });
      if (maintainer && counted) await this.notices.afterFailure(manager, maintainer, now);
      return passwordRefused();
    }
    await this.audit.append(manager, {
      actor: `maintainer:${maintainer.id}`,
      action: 'maintainer.password_accepted',
      subject: `maintainer:${maintainer.id}`,
    });
    return { maintainerId: maintainer.id, next: maintainer.status === 'active' ? 'totp' : 'totp_enrolment' };
  }
}

/** Why a password step failed, for the audit log only: the visitor always sees the same refusal. */
function refusalReason(maintainer: Maintainer | null, waiting: boolean): string {
  if (!maintainer) return 'unknown_address';
  if (waiting) return 'address_waiting';
  if (!mayLogIn(maintainer)) return maintainer.status;
  if (!maintainer.passwordHash) return 'no_password_yet';
  return 'wrong_password';
}

/** Disabled and removed maintainers are refused like a wrong password: the visitor learns nothing. */
function mayLogIn(maintainer: Maintainer): boolean {
  return maintainer.status === 'invited' || maintainer.status === 'active';
}
