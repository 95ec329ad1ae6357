import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-custom';
import { AuthenticatePassword, PasswordAccepted } from '@cordon/maintainers';
import { firstErrors } from '../admin-forms';
import { fields, loginForm } from './auth-forms';
import { asFieldRefusal, LoginStepRefused } from './sign-in-refusals';

/**
 * Step one of the admin login (address and password) as a passport strategy: a thin adapter over
 * AuthenticatePassword, which keeps the rules (slow-down per account and address, audit). A wrong
 * answer is a LoginStepRefused that LoginPageFilter shows on the login form.
 */
@Injectable()
export class MaintainerPasswordStrategy extends PassportStrategy(Strategy, 'maintainer-password') {
  constructor(private readonly authenticatePassword: AuthenticatePassword) {
    super();
  }

  async validate(req: Request): Promise<PasswordAccepted> {
    const parsed = loginForm.safeParse(fields(req.body, 'email', 'password'));
    if (!parsed.success) throw new LoginStepRefused(400, firstErrors(parsed.error));
    try {
      return await this.authenticatePassword.execute(parsed.data.email, parsed.data.password, req.ip);
    } catch (error) {
      throw asFieldRefusal(error);
    }
  }
}
