import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { DomainError } from '@cordon/errors';
import { MemberLookup, normaliseProducts } from '@cordon/membership';
import { AudienceMode, Embargo } from '../embargo.entity';
import { audienceModeOf } from './audience-mode';

export type AudiencePick = 'include' | 'exclude' | 'none';

/**
 * Maintainers change who an embargo's mail reaches (issue 14): its affected products, its mode
 * (every member, or those shipping an affected product) and their explicit picks of members in or
 * out. Only while it runs; each change in its own transaction, audited (`embargo.audience_changed`,
 * ids and product names only). What was sent before stays sent; copies not yet sent are checked
 * against the audience when they are claimed (SendTimeEligibility).
 */
@Injectable()
export class ChangeAudience {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly lookup: MemberLookup,
  ) {}

  async setProducts(id: string, products: string[] | string, maintainerId: string): Promise<string[]> {
    const after = normaliseProducts(products);
    return this.change(id, maintainerId, async (manager, embargo) => {
      await manager.update(Embargo, id, { products: after, updatedAt: new Date() });
      return { products: { before: embargo.products, after } };
    }).then(() => after);
  }

  async setMode(id: string, mode: AudienceMode, maintainerId: string): Promise<AudienceMode> {
    const after = audienceModeOf(mode, 'all');
    return this.change(id, maintainerId, async (manager, embargo) => {
      await manager.update(Embargo, id, { audienceMode: after, updatedAt: new Date() });
      return { mode: { before: embargo.audienceMode, after } };
    }).then(() => after);
  }

  async pick(id: string, memberId: string, pick: AudiencePick, maintainerId: string): Promise<void> {
    if (!['include', 'exclude', 'none'].includes(pick)) {
      throw new DomainError('INVALID_INPUT', 'A pick is include, exclude or none.', 'pick');
    }
    return this.change(id, maintainerId, async (manager) => {
      const member = await this.lookup.byId(manager, memberId);
      if (!member || (member.status !== 'active' && member.status !== 'suspended')) {
        throw new DomainError('NOT_FOUND', 'No such member on the list.', 'memberId');
      }
      const [before] = (await manager.query(
        'SELECT pick FROM embargo_audience_pick WHERE embargo_id = $1 AND member_id = $2',
        [id, memberId],
      )) as { pick: AudiencePick }[];
      await manager.query('DELETE FROM embargo_audience_pick WHERE embargo_id = $1 AND member_id = $2', [id, memberId]);
      if (pick !== 'none') {
        await manager.query(
          `INSERT INTO embargo_audience_pick (embargo_id, member_id, pick, picked_by, picked_at)
           VALUES ($1, $2, $3, $4, $5)`,
          [id, memberId, pick, `maintainer:${maintainerId}`, new Date()],
        );
      }
      return { pick: { memberId, before: before?.pick ?? 'none', after: pick } };
    });
  }

  /** Runs one change of a running embargo, locked, and audits what it says changed. */
  private change(
    id: string,
    maintainerId: string,
    apply: (manager: EntityManager, embargo: Embargo) => Promise<Record<string, unknown>>,
  ): Promise<void> {
    return this.dataSource.transaction(async (manager) => {
      const embargo = await manager.findOne(Embargo, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!embargo) throw new DomainError('NOT_FOUND', 'No such embargo.');
      if (embargo.status !== 'active') {
        throw new DomainError('WRONG_STATE', `This embargo is ${embargo.status}: its audience can no longer change.`);
      }
      const details = await apply(manager, embargo);
      await this.audit.append(manager, {
        actor: `maintainer:${maintainerId}`,
        action: 'embargo.audience_changed',
        subject: `embargo:${id}`,
        details,
      });
    });
  }
}
