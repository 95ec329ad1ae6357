import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A key a member uploaded to replace its own. It is not used for anything until the link mailed
 * encrypted to it is followed (proving the member holds it); a newer proposal supersedes it.
 */
@Entity('member_key_proposal')
export class MemberKeyProposal {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'member_id', type: 'uuid' })
  memberId!: string;

  @Column({ name: 'key_armored', type: 'text' })
  keyArmored!: string;

  @Column({ name: 'key_fingerprint', type: 'text' })
  keyFingerprint!: string;

  @Column({ name: 'key_algorithm', type: 'text' })
  keyAlgorithm!: string;

  @Column({ name: 'key_expires_at', type: 'timestamptz', nullable: true })
  keyExpiresAt!: Date | null;

  @Column({ name: 'proposed_at', type: 'timestamptz' })
  proposedAt!: Date;

  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true })
  confirmedAt!: Date | null;

  @Column({ name: 'superseded_at', type: 'timestamptz', nullable: true })
  supersededAt!: Date | null;
}
