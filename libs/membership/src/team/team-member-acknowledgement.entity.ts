import { Column, Entity, PrimaryColumn } from 'typeorm';

/** How a team member agreed: by following the one-time link mailed encrypted to its key. */
export type TeamAcknowledgementMethod = 'one_time_link';

/** Who (the team member), which policy version and its hash, when, and how (issue 5). */
@Entity('team_member_acknowledgement')
export class TeamMemberAcknowledgement {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'team_member_id', type: 'uuid' })
  teamMemberId!: string;

  @Column({ name: 'policy_version', type: 'integer' })
  policyVersion!: number;

  @Column({ name: 'policy_sha256', type: 'text' })
  policySha256!: string;

  @Column({ type: 'text' })
  how!: TeamAcknowledgementMethod;

  @Column({ type: 'timestamptz' })
  at!: Date;
}
