import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { Policies } from '@cordon/policy';
import { activeMemberForUpdate } from '../self-service/active-member';
import { ownTeamMember } from './own-team-member';
import { TeamLinks } from './team-links';

/** Mails a team member a fresh link, e.g. after a new policy version was published or the first one expired. */
@Injectable()
export class RemindTeamMember {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly policies: Policies,
    private readonly teamLinks: TeamLinks,
  ) {}

  async execute(memberId: string, teamMemberId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const member = await activeMemberForUpdate(manager, memberId);
      const person = await ownTeamMember(manager, memberId, teamMemberId);
      const policy = await this.policies.current(manager);
      await this.teamLinks.send(manager, person, member, policy);
      await this.audit.append(manager, {
        actor: `member:${memberId}`,
        action: 'team_member.link_sent',
        subject: `team_member:${person.id}`,
        details: { memberId, policyVersion: policy.version },
      });
    });
  }
}
