import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { inspectPublicKey } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';
import { Policies } from '@cordon/policy';
import { activeMember, activeMemberForUpdate } from '../self-service/active-member';
import { TeamLinks } from './team-links';
import { TeamMember } from './team-member.entity';

export interface TeamMemberForm {
  name: string;
  email: string;
  /** The person's OpenPGP public key, armored: the link is encrypted to it (there is no plaintext path). */
  key: string;
}

/** Enough for any real security team; a bound on what one session can make the server mail. */
export const TEAM_MAX = 100;

/**
 * A member registers a person who needs to know (docs/architecture.md, "The embargo policy"): the key policy
 * applies as for applicants (a user ID for the person's address), and the person gets a one-time
 * link, encrypted to that key, to acknowledge the same terms.
 */
@Injectable()
export class RegisterTeamMember {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly policies: Policies,
    private readonly teamLinks: TeamLinks,
  ) {}

  async execute(memberId: string, form: TeamMemberForm): Promise<TeamMember> {
    await activeMember(this.dataSource.manager, memberId);
    const { details } = await inspectPublicKey(form.key, { requireAddress: form.email });
    return this.dataSource.transaction(async (manager) => {
      const member = await activeMemberForUpdate(manager, memberId);
      const current = (await manager.query(
        `SELECT lower(email) AS email FROM team_member WHERE member_id = $1 AND withdrawn_at IS NULL`,
        [memberId],
      )) as { email: string }[];
      if (current.some((row) => row.email === form.email.toLowerCase())) {
        throw new DomainError('ALREADY_EXISTS', 'This person is already in your team.', 'email');
      }
      if (current.length >= TEAM_MAX) {
        throw new DomainError(
          'INVALID_INPUT',
          `A team has at most ${TEAM_MAX} people. Withdraw someone who no longer needs to know first.`,
          'email',
        );
      }
      const person = manager.create(TeamMember, {
        id: randomUUID(),
        memberId,
        name: form.name,
        email: form.email,
        keyArmored: details.armored,
        keyFingerprint: details.fingerprint,
        keyAlgorithm: details.algorithm,
        keyExpiresAt: details.expiresAt,
        registeredAt: new Date(),
        withdrawnAt: null,
      });
      await manager.insert(TeamMember, person);
      await this.audit.append(manager, {
        actor: `member:${memberId}`,
        action: 'team_member.registered',
        subject: `team_member:${person.id}`,
        details: { memberId, email: person.email, keyFingerprint: person.keyFingerprint },
      });
      await this.teamLinks.send(manager, person, member, await this.policies.current(manager));
      return person;
    });
  }
}
