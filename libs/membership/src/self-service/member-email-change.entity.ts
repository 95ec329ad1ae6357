import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A new contact address a member asked for. Nothing is mailed to it but its proof until the link
 * mailed there, encrypted to the member's key, is followed (proving the member reads that mailbox);
 * until then list mail keeps going to the old address. A newer request supersedes it.
 */
@Entity('member_email_change')
export class MemberEmailChange {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'member_id', type: 'uuid' })
  memberId!: string;

  /** The address when the change was asked for: the notice of the change goes there. */
  @Column({ name: 'previous_email', type: 'text' })
  previousEmail!: string;

  @Column({ name: 'new_email', type: 'text' })
  newEmail!: string;

  /**
   * The member's own key (same fingerprint) with a user ID for the new address added, when the
   * stored copy lacks it: it replaces the stored copy when the change is confirmed.
   */
  @Column({ name: 'key_armored', type: 'text', nullable: true })
  keyArmored!: string | null;

  @Column({ name: 'proposed_at', type: 'timestamptz' })
  proposedAt!: Date;

  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true })
  confirmedAt!: Date | null;

  @Column({ name: 'superseded_at', type: 'timestamptz', nullable: true })
  supersededAt!: Date | null;
}
