import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError } from '@cordon/errors';
import { AuthenticateApiToken } from '@cordon/maintainers';
import { ApiRequest } from './current-api-maintainer.decorator';

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

/**
 * The JSON API's gate: `Authorization: Bearer <token>` (RFC 6750) with an unrevoked token of an
 * active maintainer. Cookies never authenticate the API, which is why it needs no CSRF token.
 * A refusal is 401 with a WWW-Authenticate challenge; the error filter writes the RFC 9457 body.
 */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  constructor(private readonly authenticate: AuthenticateApiToken) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<ApiRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    const presented = BEARER.exec(req.headers.authorization ?? '')?.[1];
    try {
      if (!presented) throw new DomainError('NOT_AUTHENTICATED', 'Send an API token: Authorization: Bearer cordon_...');
      req.apiMaintainer = await this.authenticate.execute(presented);
      return true;
    } catch (error) {
      const challenge = presented ? 'Bearer realm="cordon", error="invalid_token"' : 'Bearer realm="cordon"';
      if (error instanceof DomainError) res.setHeader('WWW-Authenticate', challenge);
      throw error;
    }
  }
}
