import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { MemberIdentity } from '@cordon/membership';

export type MemberUser = MemberIdentity;

export interface MemberRequest extends Request {
  member?: MemberUser;
}

/** The member MemberSessionGuard let in. Fails closed on a route the guard does not cover. */
export const CurrentMember = createParamDecorator((_: unknown, context: ExecutionContext): MemberUser => {
  const member = context.switchToHttp().getRequest<MemberRequest>().member;
  if (!member) throw new Error('CurrentMember used on a route without MemberSessionGuard');
  return member;
});
