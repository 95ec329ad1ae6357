import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { OneTimeLinks } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';
import { Policies, PolicyVersion } from '@cordon/policy';
import { currentPolicyAsShown } from '../self-service/policy-shown';
import { TeamMemberAcknowledgement } from './team-member-acknowledgement.entity';
import { TeamMember } from './team-member.entity';

/** What the page behind a team member's link shows: who asks, and the exact text to agree to. */
export interface TeamAcknowledgementPage {
  name: string;
  organisation: string;
  policy: { version: number; sha256: string; body: string };
}

/**
 * A team member follows its one-time link and agrees to the same terms as the member (docs/architecture.md,
 * "Before a member shares list information with a team member, that person must have agreed").
 * The record says who, which policy version and its hash, when and how; so does the audit log.
 */
@Injectable()
export class AcknowledgeAsTeamMember {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly links: OneTimeLinks,
    private readonly policies: Policies,
  ) {}

  /** The page, without using the link up (a GET must not act: mail scanners prefetch links). */
  async preview(token: string): Promise<TeamAcknowledgementPage> {
    return this.dataSource.transaction(async (manager) => {
      const id = await this.links.peek(manager, 'team_member_ack', token);
      const { person, organisation } = await this.stillWanted(manager, id);
      const policy = await this.policies.current(manager);
      return pageOf(person, organisation, policy);
    });
  }

  /**
   * `version` is the one the page showed: if a newer one was published meanwhile, nothing is
   * recorded (and the link stays usable), so nobody agrees to a text they did not see.
   */
  async execute(token: string, version: number): Promise<TeamAcknowledgementPage> {
    return this.dataSource.transaction(async (manager) => {
      const id = await this.links.consume(manager, 'team_member_ack', token);
      const { person, organisation } = await this.stillWanted(manager, id);
      const policy = await currentPolicyAsShown(manager, this.policies, version);
      const ack = manager.create(TeamMemberAcknowledgement, {
        id: randomUUID(),
        teamMemberId: person.id,
        policyVersion: policy.version,
        policySha256: policy.sha256,
        how: 'one_time_link',
        at: new Date(),
      });
      await manager.insert(TeamMemberAcknowledgement, ack);
      await this.audit.append(manager, {
        actor: `team_member:${person.id}`,
        action: 'team_member.acknowledged',
        subject: `team_member:${person.id}`,
        details: {
          memberId: person.memberId,
          email: person.email,
          version: policy.version,
          sha256: policy.sha256,
          how: ack.how,
        },
      });
      return pageOf(person, organisation, policy);
    });
  }

  /** A withdrawn person, or one whose member is no longer active, has nothing to agree to. */
  private async stillWanted(manager: EntityManager, id: string) {
    const [row] = (await manager.query(
      `SELECT m.organisation, m.status FROM team_member t JOIN member m ON m.id = t.member_id
       WHERE t.id = $1 AND t.withdrawn_at IS NULL`,
      [id],
    )) as { organisation: string; status: string }[];
    const person = await manager.findOneBy(TeamMember, { id });
    if (!row || !person || row.status !== 'active') {
      throw new DomainError('LINK_INVALID', 'This link is no longer valid: the member withdrew it.');
    }
    return { person, organisation: row.organisation };
  }
}

function pageOf(person: TeamMember, organisation: string, policy: PolicyVersion): TeamAcknowledgementPage {
  return {
    name: person.name,
    organisation,
    policy: { version: policy.version, sha256: policy.sha256, body: policy.body },
  };
}
