import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '@cordon/errors';

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
    const known = (await this.dataSource.query('SELECT 1 FROM policy_version WHERE version = $1', [
      version,
    ])) as unknown[];
    if (!known.length) throw new DomainError('NOT_FOUND', 'There is no such version of the Embargo Policy.');
    const members = (await this.dataSource.query(
      `SELECT a.member_id, m.organisation, m.email, NULL AS name, NULL AS team_member_id, a.how,
              a.policy_sha256, a.at
       FROM policy_acknowledgement a JOIN member m ON m.id = a.member_id
       WHERE a.policy_version = $1 ORDER BY a.at, m.organisation`,
      [version],
    )) as Row[];
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
