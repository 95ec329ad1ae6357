import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { MaintainerIdentity } from '@cordon/maintainers';

/** The logged-in maintainer as pages see it (and pass to the layout as `admin`). */
export type AdminUser = MaintainerIdentity;

export interface AdminRequest extends Request {
  maintainer?: AdminUser;
}

/** The maintainer MaintainerSessionGuard let in. Fails closed on a route the guard does not cover. */
export const CurrentMaintainer = createParamDecorator((_: unknown, context: ExecutionContext): AdminUser => {
  const maintainer = context.switchToHttp().getRequest<AdminRequest>().maintainer;
  if (!maintainer) throw new Error('CurrentMaintainer used on a route without MaintainerSessionGuard');
  return maintainer;
});
