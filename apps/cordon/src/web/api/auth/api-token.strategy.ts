import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-custom';
import { DomainError } from '@cordon/errors';
import { AuthenticateApiToken, MaintainerIdentity } from '@cordon/maintainers';

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

/**
 * The API bearer token (RFC 6750) as a passport strategy: a thin adapter over AuthenticateApiToken,
 * which keeps the rules (unrevoked token, active maintainer, last use recorded). A refusal is the
 * domain's DomainError, which ApiTokenGuard passes on to the error filter (RFC 9457 body, 401),
 * with the WWW-Authenticate challenge set here.
 */
@Injectable()
export class ApiTokenStrategy extends PassportStrategy(Strategy, 'api-token') {
  constructor(private readonly authenticateApiToken: AuthenticateApiToken) {
    super();
  }

  async validate(req: Request): Promise<MaintainerIdentity> {
    const presented = BEARER.exec(req.headers.authorization ?? '')?.[1];
    try {
      if (!presented) throw new DomainError('NOT_AUTHENTICATED', 'Send an API token: Authorization: Bearer cordon_...');
      return await this.authenticateApiToken.execute(presented);
    } catch (error) {
      const challenge = presented ? 'Bearer realm="cordon", error="invalid_token"' : 'Bearer realm="cordon"';
      if (error instanceof DomainError) req.res?.setHeader('WWW-Authenticate', challenge);
      throw error;
    }
  }
}
