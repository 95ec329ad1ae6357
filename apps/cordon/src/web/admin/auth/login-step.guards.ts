import { Injectable } from '@nestjs/common';
import { AuthGuard, AuthGuardAuthenticateOptions } from '@nestjs/passport';
import type { Request } from 'express';
import type { PasswordAccepted, TotpEnrolled } from '@cordon/maintainers';

/** What the two login steps' strategies accepted; the session itself stays express-session's (admin-session.ts). */
export interface LoginStepRequest extends Request {
  passwordAccepted?: PasswordAccepted;
  totpAccepted?: Partial<TotpEnrolled> & Pick<TotpEnrolled, 'maintainer'>;
}

/** POST /admin/login: the 'maintainer-password' strategy (maintainer-password.strategy.ts). */
@Injectable()
export class MaintainerPasswordGuard extends AuthGuard('maintainer-password') {
  override getAuthenticateOptions(): AuthGuardAuthenticateOptions {
    return { session: false, property: 'passwordAccepted' };
  }
}

/** POST /admin/login/totp: the 'maintainer-totp' strategy (maintainer-totp.strategy.ts). */
@Injectable()
export class MaintainerTotpGuard extends AuthGuard('maintainer-totp') {
  override getAuthenticateOptions(): AuthGuardAuthenticateOptions {
    return { session: false, property: 'totpAccepted' };
  }
}
