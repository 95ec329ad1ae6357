import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-custom';
import { ConfirmTotpEnrolment, TotpEnrolled, VerifyTotpLogin } from '@cordon/maintainers';
import { firstErrors } from '../admin-forms';
import { codeForm, fields, loginCodeForm } from './auth-forms';
import { asFieldRefusal, isStaleLogin, LoginRestart, LoginStepRefused } from './sign-in-refusals';

/**
 * Step two of the admin login as a passport strategy: the code from the authenticator app
 * (RFC 6238) or a one-time recovery code (VerifyTotpLogin), or, on the first login, the first code
 * of the app just set up (ConfirmTotpEnrolment, which also makes the recovery codes). The domain
 * keeps the rules (slow-down, no code used twice, audit); refusals go to TotpPageFilter.
 */
@Injectable()
export class MaintainerTotpStrategy extends PassportStrategy(Strategy, 'maintainer-totp') {
  constructor(
    private readonly confirmEnrolment: ConfirmTotpEnrolment,
    private readonly verifyTotp: VerifyTotpLogin,
  ) {
    super();
  }

  /** Only `recoveryCodes` of a first login: they exist in clear in this one response. */
  async validate(req: Request): Promise<Partial<TotpEnrolled> & Pick<TotpEnrolled, 'maintainer'>> {
    const admin = req.session?.admin;
    if (!admin || admin.stage === 'in') throw new LoginRestart(false);
    const form = admin.stage === 'totp_enrolment' ? codeForm : loginCodeForm;
    const parsed = form.safeParse(fields(req.body, 'code'));
    if (!parsed.success) throw new LoginStepRefused(400, firstErrors(parsed.error));
    try {
      if (admin.stage === 'totp_enrolment')
        return await this.confirmEnrolment.execute(admin.maintainerId, parsed.data.code, req.ip);
      return { maintainer: await this.verifyTotp.execute(admin.maintainerId, parsed.data.code, req.ip) };
    } catch (error) {
      if (isStaleLogin(error)) throw new LoginRestart(true);
      throw asFieldRefusal(error);
    }
  }
}
