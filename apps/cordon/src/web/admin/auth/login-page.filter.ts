import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { fields } from './auth-forms';
import { LoginStepRefused } from './sign-in-refusals';

export function renderLoginPage(res: Response, values: object, errors: object, status = 200, enrolled = false) {
  res.status(status).render('admin/login', { title: 'Maintainer login', values, errors, enrolled });
}

/** The login form again, with what the password strategy refused; the password is never sent back. */
@Catch(LoginStepRefused)
export class LoginPageFilter implements ExceptionFilter {
  catch(refused: LoginStepRefused, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const values = { email: fields(req.body, 'email').email };
    renderLoginPage(host.switchToHttp().getResponse<Response>(), values, refused.errors, refused.status);
  }
}
