import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A person in a member's team who needs to know (docs/architecture.md, "The embargo policy"): before a member
 * shares list information with them, they must have agreed to the same terms. The key is theirs:
 * the link that lets them acknowledge is mailed encrypted to it.
 */
@Entity('team_member')
export class TeamMember {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'member_id', type: 'uuid' })
  memberId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  email!: string;

  @Column({ name: 'key_armored', type: 'text' })
  keyArmored!: string;

  @Column({ name: 'key_fingerprint', type: 'text' })
  keyFingerprint!: string;

  @Column({ name: 'key_algorithm', type: 'text' })
  keyAlgorithm!: string;

  @Column({ name: 'key_expires_at', type: 'timestamptz', nullable: true })
  keyExpiresAt!: Date | null;

  @Column({ name: 'registered_at', type: 'timestamptz' })
  registeredAt!: Date;

  /** Set when the member withdraws the person: no more links, and the record stays. */
  @Column({ name: 'withdrawn_at', type: 'timestamptz', nullable: true })
  withdrawnAt!: Date | null;
}
