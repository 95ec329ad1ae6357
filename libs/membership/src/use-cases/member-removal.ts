import { EntityManager } from 'typeorm';
import { Member } from '../entities/member.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A member's row as a lib above membership changes it inside its own transaction (ConfirmLeak
 * removes a member for good at the strike threshold): the member table is written only here and
 * in membership's use cases (docs/architecture.md, Layout).
 */
export class MemberRemoval {
  /** The member, its row locked until the caller's transaction ends; null for no such member. */
  lockedMember(manager: EntityManager, id: string): Promise<Member | null> {
    if (!UUID.test(id)) return Promise.resolve(null);
    return manager.findOne(Member, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** Removes it for good, with the reason shown to maintainers; the caller audits and tells. */
  async removeForGood(manager: EntityManager, member: Member, statusReason: string): Promise<void> {
    Object.assign(member, { status: 'removed', statusReason, updatedAt: new Date() });
    await manager.update(Member, member.id, { status: 'removed', statusReason, updatedAt: member.updatedAt });
  }
}
