import { Column, Entity, PrimaryColumn } from 'typeorm';

/** What an invitation is now; stored as its dates, so that expiry needs no job to mark it. */
export type InvitationState = 'open' | 'used' | 'revoked' | 'expired';

/**
 * A maintainer's invitation of a distributor it knows (README "Inviting a distributor"): bound to
 * one contact address, good for one application, which then needs no member's vouch.
 */
@Entity('invitation')
export class Invitation {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text' })
  organisation!: string;

  @Column({ type: 'text' })
  email!: string;

  @Column({ type: 'text', nullable: true })
  note!: string | null;

  /** The audit actor who invited (`maintainer:<id>`, or `cli` for the operator). */
  @Column({ name: 'invited_by', type: 'text' })
  invitedBy!: string;

  /** The inviter's name as it was then, for criterion 7 on the review and status pages. */
  @Column({ name: 'invited_by_name', type: 'text' })
  invitedByName!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt!: Date | null;

  @Column({ name: 'application_id', type: 'uuid', nullable: true })
  applicationId!: string | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'revoked_by', type: 'text', nullable: true })
  revokedBy!: string | null;
}

export function invitationState(invitation: Invitation, now = new Date()): InvitationState {
  if (invitation.usedAt) return 'used';
  if (invitation.revokedAt) return 'revoked';
  return invitation.expiresAt > now ? 'open' : 'expired';
}
