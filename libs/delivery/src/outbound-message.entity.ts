import { Column, Entity, PrimaryColumn } from 'typeorm';

export type OutboundStatus = 'pending' | 'sent' | 'failed';

/**
 * One sealed copy waiting for, or done with, delivery: the durable outbound queue (docs/architecture.md,
 * "Deliver"). `raw` is the finished RFC 5322 message, already encrypted to its one recipient, so
 * the queue never holds list content in the clear.
 */
@Entity('outbound_message')
export class OutboundMessage {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  /** What the mail is for (`application.confirm`, `post`, ...), for the record and the admin views. */
  @Column({ type: 'text' })
  purpose!: string;

  /** SMTP envelope sender (RFC 5321 MAIL FROM). */
  @Column({ type: 'text' })
  sender!: string;

  /** SMTP envelope recipient (RFC 5321 RCPT TO): exactly one per message. */
  @Column({ type: 'text' })
  recipient!: string;

  @Column({ type: 'bytea' })
  raw!: Buffer;

  @Column({ type: 'text' })
  status!: OutboundStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  /** When it is due; while claimed, pushed CLAIM_LEASE_MS ahead as the claim's lease. */
  @Column({ name: 'next_attempt_at', type: 'timestamptz' })
  nextAttemptAt!: Date;

  /** The process (ProcessRegistry) holding the claim: once its row is gone, the message is due again at once. */
  @Column({ name: 'lease_owner', type: 'uuid', nullable: true })
  leaseOwner!: string | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;
}
