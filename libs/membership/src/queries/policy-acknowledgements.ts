import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '@cordon/errors';
import { AcknowledgementRecords } from '@cordon/policy';
import { MemberLookup } from './member-lookup';

/** One acknowledgement of a policy version: by a member itself, or by a person in a member's team. */
export interface PolicyAcknowledgementRow {
  memberId: string;
  organisation: string;
  /** For a member: its address now. For a team member: the person's own. */
  email: string;
  /** A team member's name; null for the member itself. */
  name: string | null;
  teamMemberId: string | null;
  /** application_form, imported, self_service, signed_mail; one_time_link for a team member. */
  how: string;
  /** The SHA-256 of the text acknowledged, as recorded with it. */
  sha256: string;
  at: string;
}

export interface PolicyVersionAcknowledgements {
  version: number;
  members: PolicyAcknowledgementRow[];
  teamMembers: PolicyAcknowledgementRow[];
}

/**
 * Who acknowledged which version of the Embargo Policy, and when and how (issue 11: the API covers
 * "who acknowledged what", as the admin pages do). Every acknowledgement recorded is given, also
 * those of members who have since left: the record is what was agreed, not who is on the list now.
 */
@Injectable()
export class PolicyAcknowledgements {
  constructor(private readonly dataSource: DataSource) {}

  async forVersion(version: number): Promise<PolicyVersionAcknowledgements> {
    const manager = this.dataSource.manager;
    const records = new AcknowledgementRecords();
    if (!(await records.isPublished(manager, version))) {
      throw new DomainError('NOT_FOUND', 'There is no such version of the Embargo Policy.');
    }
    const acknowledgements = await records.ofVersion(manager, version);
    const known = await new MemberLookup().byIds(
      manager,
      acknowledgements.map((a) => a.memberId),
    );
    const members = acknowledgements.flatMap((a): Row[] => {
      const member = known.get(a.memberId);
      if (!member) return [];
      const { organisation, email } = member;
      return [
        { ...NO_TEAM, member_id: a.memberId, organisation, email, how: a.how, policy_sha256: a.policySha256, at: a.at },
      ];
    });
    // As the team's: by time, then by organisation.
    members.sort((a, b) => a.at.getTime() - b.at.getTime() || a.organisation.localeCompare(b.organisation));
    const team = (await this.dataSource.query(
      `SELECT t.member_id, m.organisation, t.email, t.name, t.id AS team_member_id, a.how, a.policy_sha256, a.at
       FROM team_member_acknowledgement a JOIN team_member t ON t.id = a.team_member_id
         JOIN member m ON m.id = t.member_id
       WHERE a.policy_version = $1 ORDER BY a.at, m.organisation, t.name`,
      [version],
    )) as Row[];
    return { version, members: members.map(view), teamMembers: team.map(view) };
  }
}

interface Row {
  member_id: string;
  organisation: string;
  email: string;
  name: string | null;
  team_member_id: string | null;
  how: string;
  policy_sha256: string;
  at: Date;
}

const NO_TEAM = { name: null, team_member_id: null };

function view(row: Row): PolicyAcknowledgementRow {
  return {
    memberId: row.member_id,
    organisation: row.organisation,
    email: row.email,
    name: row.name,
    teamMemberId: row.team_member_id,
    how: row.how,
    sha256: row.policy_sha256,
    at: new Date(row.at).toISOString(),
  };
}
