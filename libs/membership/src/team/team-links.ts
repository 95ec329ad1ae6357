import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SETTINGS, Settings } from '@cordon/config';
import { OneTimeLinks } from '@cordon/crypto';
import { Outbox } from '@cordon/delivery';
import { PolicyVersion } from '@cordon/policy';
import { Member } from '../entities/member.entity';
import { TeamMember } from './team-member.entity';
import { teamMail } from './team-mail';

/**
 * Issues a team member's one-time acknowledgement link and mails it encrypted to the team member's
 * key, in the caller's transaction. A new link replaces any earlier one still open.
 */
@Injectable()
export class TeamLinks {
  constructor(
    private readonly links: OneTimeLinks,
    private readonly outbox: Outbox,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async send(manager: EntityManager, person: TeamMember, member: Member, policy: PolicyVersion): Promise<void> {
    const hours = this.settings.TEAM_LINK_TTL_HOURS;
    await this.links.revokeAll(manager, 'team_member_ack', person.id);
    const token = await this.links.issue(manager, 'team_member_ack', person.id, hours);
    await this.outbox.send(manager, {
      purpose: 'team_member.acknowledge',
      to: person.email,
      recipientKey: person.keyArmored,
      ...teamMail.acknowledgeRequest(
        this.settings.LIST_NAME,
        { name: person.name, organisation: member.organisation, memberEmail: member.email },
        policy,
        `${this.settings.publicUrl}/team/acknowledge/${token}`,
        hours,
      ),
    });
  }
}
