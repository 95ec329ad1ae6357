import { Injectable } from '@nestjs/common';
import { AuthGuard, AuthGuardAuthenticateOptions } from '@nestjs/passport';

/**
 * The JSON API's gate: the 'api-token' strategy (api-token.strategy.ts), no session. Cookies never
 * authenticate the API, which is why it needs no CSRF token. The maintainer it accepts is
 * `req.apiMaintainer` (CurrentApiMaintainer).
 */
@Injectable()
export class ApiTokenGuard extends AuthGuard('api-token') {
  override getAuthenticateOptions(): AuthGuardAuthenticateOptions {
    return { session: false, property: 'apiMaintainer' };
  }
}
