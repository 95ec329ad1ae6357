import { EntityManager } from 'typeorm';
import { DomainError } from '@cordon/errors';
import { TeamMember } from './team-member.entity';

/** A current team member of this member, locked; someone else's or a withdrawn one is not found. */
export async function ownTeamMember(
  manager: EntityManager,
  memberId: string,
  teamMemberId: string,
): Promise<TeamMember> {
  const person = await manager.findOne(TeamMember, {
    where: { id: teamMemberId, memberId },
    lock: { mode: 'pessimistic_write' },
  });
  if (!person || person.withdrawnAt) throw new DomainError('NOT_FOUND', 'There is no such person in your team.');
  return person;
}
