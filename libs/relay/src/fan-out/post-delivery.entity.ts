import { Column, Entity, PrimaryColumn } from 'typeorm';

export const postDeliveryStatuses = ['pending', 'sent', 'failed', 'skipped', 'held'] as const;
/**
 * pending: queued (or deferred after a temporary failure); sent: the relay took it; failed: refused
 * for good or given up; skipped: the member was not eligible (never sent); held: kept back for a
 * reason the member can clear (the current policy is not acknowledged), see FanOut.releaseHeld.
 */
export type PostDeliveryStatus = (typeof postDeliveryStatuses)[number];

/** One member's copy of a post: a row of the outbound queue (issue 4, "Delivery"). */
@Entity('post_delivery')
export class PostDelivery {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'post_id', type: 'uuid' })
  postId!: string;

  @Column({ name: 'member_id', type: 'uuid' })
  memberId!: string;

  /** SMTP envelope recipient and the copy's To: the member's address when the post was fanned out. */
  @Column({ type: 'text' })
  recipient!: string;

  /** The member key the key packet was made for; a member whose key changed since gets no copy. */
  @Column({ name: 'key_fingerprint', type: 'text', nullable: true })
  keyFingerprint!: string | null;

  /** The PKESK that opens the post's shared body for this member alone; null when skipped. */
  @Column({ name: 'key_packet', type: 'bytea', nullable: true })
  keyPacket!: Buffer | null;

  @Column({ type: 'text' })
  status!: PostDeliveryStatus;

  /** Why skipped, held or failed (`key_expired`, `policy_not_acknowledged`, `refused`, …). */
  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz' })
  nextAttemptAt!: Date;

  /** While set and in the future, a worker holds this copy; once past, another may take it. */
  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  /** The process (ProcessRegistry) holding the lease: once its row is gone, another may take the copy at once. */
  @Column({ name: 'lease_owner', type: 'uuid', nullable: true })
  leaseOwner!: string | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;
}
