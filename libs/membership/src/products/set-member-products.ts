import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Actor, AuditLog } from '@cordon/audit';
import { DomainError } from '@cordon/errors';
import { Member } from '../entities/member.entity';
import { normaliseProducts } from './products';

/**
 * A member states the products it ships (issue 14), itself or through a maintainer: an embargo
 * whose audience is its affected products reaches the members shipping one of them. Only a member
 * on the list (active or suspended) has products to state; the change is audited with both lists.
 */
@Injectable()
export class SetMemberProducts {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
  ) {}

  async execute(memberId: string, products: string[] | string, actor: Actor): Promise<string[]> {
    const after = normaliseProducts(products);
    return this.dataSource.transaction(async (manager) => {
      const member = await manager.findOne(Member, { where: { id: memberId }, lock: { mode: 'pessimistic_write' } });
      if (!member) throw new DomainError('NOT_FOUND', 'No such member.');
      if (member.status !== 'active' && member.status !== 'suspended') {
        throw new DomainError('WRONG_STATE', 'This membership has ended: its products can no longer change.');
      }
      const before = member.products;
      if (before.join('\n') === after.join('\n')) return after;
      await manager.update(Member, member.id, { products: after, updatedAt: new Date() });
      await this.audit.append(manager, {
        actor,
        action: 'member.products_changed',
        subject: `member:${member.id}`,
        details: { before, after },
      });
      return after;
    });
  }
}
