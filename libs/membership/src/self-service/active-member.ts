import { EntityManager } from 'typeorm';
import { DomainError } from '@cordon/errors';
import { Member } from '../entities/member.entity';

/**
 * The member, locked for the change, if it may change anything in self-service: only an active
 * member registers team members, replaces its key or answers an embargo. A suspended one may look
 * and report a leak; a removed or banned one has no session at all.
 */
export async function activeMemberForUpdate(manager: EntityManager, memberId: string): Promise<Member> {
  return assertActive(await manager.findOne(Member, { where: { id: memberId }, lock: { mode: 'pessimistic_write' } }));
}

/**
 * The same check without a lock, before slow work (checking a key) that should not be done, nor
 * refused for another reason, when the member may not change anything anyway.
 */
export async function activeMember(manager: EntityManager, memberId: string): Promise<Member> {
  return assertActive(await manager.findOneBy(Member, { id: memberId }));
}

function assertActive(member: Member | null): Member {
  if (!member || (member.status !== 'active' && member.status !== 'suspended')) {
    throw new DomainError('NOT_AUTHENTICATED', 'Your session has ended. Ask for a new link.');
  }
  if (member.status !== 'active') {
    throw new DomainError(
      'FORBIDDEN',
      'Your membership is suspended: this is not possible until the maintainers reinstate it.',
    );
  }
  return member;
}
