import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { MaintainerIdentity } from '@cordon/maintainers';

export interface ApiRequest extends Request {
  apiMaintainer?: MaintainerIdentity;
}

/** The maintainer whose API token ApiTokenGuard accepted. Fails closed on a route the guard does not cover. */
export const CurrentApiMaintainer = createParamDecorator(
  (_: unknown, context: ExecutionContext): MaintainerIdentity => {
    const maintainer = context.switchToHttp().getRequest<ApiRequest>().apiMaintainer;
    if (!maintainer) throw new Error('CurrentApiMaintainer used on a route without ApiTokenGuard');
    return maintainer;
  },
);
