import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Member } from '../entities/member.entity';

/**
 * Criterion 7 asks for a member's vouch, which a list without members cannot give: while the list
 * has no active member, maintainers approve the first applicants without one, giving a reason that
 * is recorded with the application and in the audit log (issue 11). One answer for the decision,
 * the review page, the form and the applicant's status page.
 */
@Injectable()
export class FirstMembers {
  constructor(private readonly dataSource: DataSource) {}

  /** True while nobody could vouch: no member is active. */
  async admitted(manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    return (await manager.countBy(Member, { status: 'active' })) === 0;
  }
}
