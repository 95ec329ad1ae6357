import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface TeamAcknowledgementView {
  version: number;
  sha256: string;
  how: string;
  at: string;
}

/** A person in a member's team as the member sees it: who, their key, and which versions they agreed to. */
export interface TeamMemberView {
  id: string;
  name: string;
  email: string;
  keyFingerprint: string;
  registeredAt: string;
  withdrawnAt: string | null;
  /** Newest first. */
  acknowledgements: TeamAcknowledgementView[];
  acknowledgedCurrent: boolean;
}

@Injectable()
export class TeamQueries {
  constructor(private readonly dataSource: DataSource) {}

  /** Current team members first (by name), then the withdrawn ones. */
  async ofMember(memberId: string, currentVersion: number): Promise<TeamMemberView[]> {
    const people = (await this.dataSource.query(
      `SELECT id, name, email, key_fingerprint, registered_at, withdrawn_at FROM team_member
       WHERE member_id = $1 ORDER BY withdrawn_at IS NOT NULL, lower(name), registered_at`,
      [memberId],
    )) as {
      id: string;
      name: string;
      email: string;
      key_fingerprint: string;
      registered_at: Date;
      withdrawn_at: Date | null;
    }[];
    const acks = (await this.dataSource.query(
      `SELECT a.team_member_id, a.policy_version, a.policy_sha256, a.how, a.at
       FROM team_member_acknowledgement a JOIN team_member t ON t.id = a.team_member_id
       WHERE t.member_id = $1 ORDER BY a.at DESC`,
      [memberId],
    )) as { team_member_id: string; policy_version: number; policy_sha256: string; how: string; at: Date }[];
    return people.map((p) => {
      const own = acks
        .filter((a) => a.team_member_id === p.id)
        .map((a) => ({ version: a.policy_version, sha256: a.policy_sha256, how: a.how, at: iso(a.at) }));
      return {
        id: p.id,
        name: p.name,
        email: p.email,
        keyFingerprint: p.key_fingerprint,
        registeredAt: iso(p.registered_at),
        withdrawnAt: p.withdrawn_at ? iso(p.withdrawn_at) : null,
        acknowledgements: own,
        acknowledgedCurrent: own.some((a) => a.version === currentVersion),
      };
    });
  }
}

function iso(value: Date | string): string {
  return new Date(value).toISOString();
}
