import { Column, Entity, PrimaryColumn } from 'typeorm';
import { RecipientKind } from './list-addresses';

/**
 * received: stored, waiting for the pipeline; processing: claimed under a lease (a crash leaves it
 * claimable again once its owner is taken for dead, or the lease runs out); processed / refused:
 * done, for good.
 */
export type InboundStatus = 'received' | 'processing' | 'processed' | 'refused';

/**
 * One message as the ingress took it, committed before the 250 (issue 4, "Ingress"): the raw
 * bytes exactly as received after SMTP dot-unstuffing, and the envelope. A message sent to several
 * of the list's addresses is one row per kind of recipient, each processed on its own.
 */
@Entity('inbound_message')
export class InboundMessage {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  /** RFC 5321 reverse-path; empty for the null sender `<>` (bounces). Unverified: anyone can put anything here. */
  @Column({ name: 'mail_from', type: 'text' })
  mailFrom!: string;

  /** The envelope recipients of this kind, as the client wrote them. */
  @Column({ name: 'rcpt_to', type: 'text', array: true })
  rcptTo!: string[];

  @Column({ name: 'recipient_kind', type: 'text' })
  recipientKind!: RecipientKind;

  @Column({ name: 'verp_token', type: 'text', nullable: true })
  verpToken!: string | null;

  @Column({ name: 'remote_address', type: 'text', nullable: true })
  remoteAddress!: string | null;

  @Column({ type: 'bytea' })
  raw!: Buffer;

  @Column({ type: 'integer' })
  size!: number;

  @Column({ type: 'text' })
  status!: InboundStatus;

  /** Why the pipeline refused it: a stable code of the relay's refusal catalogue. */
  @Column({ name: 'refusal_code', type: 'text', nullable: true })
  refusalCode!: string | null;

  /** Claims so far, including the one in progress; also the fence between one claim and the next. */
  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  /** The process (ProcessRegistry) holding the claim: once its row is gone, the claim is void. */
  @Column({ name: 'lease_owner', type: 'uuid', nullable: true })
  leaseOwner!: string | null;

  @Column({ name: 'processed_at', type: 'timestamptz', nullable: true })
  processedAt!: Date | null;

  /** Set when `raw` was emptied, INBOUND_RETENTION_DAYS after the message was finished. */
  @Column({ name: 'raw_erased_at', type: 'timestamptz', nullable: true })
  rawErasedAt!: Date | null;
}
