import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { OneTimeLinks } from '@cordon/crypto';
import { activeMemberForUpdate } from '../self-service/active-member';
import { ownTeamMember } from './own-team-member';
import { TeamMember } from './team-member.entity';

/** The member withdraws a person from its team: its open link dies; its record and acknowledgements stay. */
@Injectable()
export class WithdrawTeamMember {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly links: OneTimeLinks,
  ) {}

  async execute(memberId: string, teamMemberId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await activeMemberForUpdate(manager, memberId);
      const person = await ownTeamMember(manager, memberId, teamMemberId);
      await manager.update(TeamMember, person.id, { withdrawnAt: new Date() });
      await this.links.revokeAll(manager, 'team_member_ack', person.id);
      await this.audit.append(manager, {
        actor: `member:${memberId}`,
        action: 'team_member.withdrawn',
        subject: `team_member:${person.id}`,
        details: { memberId, email: person.email },
      });
    });
  }
}
