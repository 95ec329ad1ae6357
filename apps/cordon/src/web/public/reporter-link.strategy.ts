import { Injectable } from '@nestjs/common';
import { AuthGuard, AuthGuardAuthenticateOptions, PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-custom';
import { ReporterAccess } from '@cordon/reports';

export interface ReporterLinkRequest extends Request {
  reporterLink?: { reportId: string };
}

/**
 * The reporter's capability link as a passport strategy (docs/architecture.md, "Sign-in"): a thin
 * adapter over ReporterAccess, which finds the report by the token's hash. An unknown token is the
 * domain's NOT_FOUND, shown by the error filter as the one "not valid" page.
 */
@Injectable()
export class ReporterLinkStrategy extends PassportStrategy(Strategy, 'reporter-link') {
  constructor(private readonly access: ReporterAccess) {
    super();
  }

  async validate(req: Request): Promise<{ reportId: string }> {
    return { reportId: await this.access.open(String(req.params.token ?? '')) };
  }
}

/** GET /report/access/:token: the 'reporter-link' strategy; the session opens in the controller. */
@Injectable()
export class ReporterLinkGuard extends AuthGuard('reporter-link') {
  override getAuthenticateOptions(): AuthGuardAuthenticateOptions {
    return { session: false, property: 'reporterLink' };
  }
}
