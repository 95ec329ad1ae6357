import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Where a report stands (docs/architecture.md, flow "Report"): `new` until a maintainer first
 * answers; `acknowledged` while the maintainers work on it; `needs_information` while they wait for
 * the reporter; then `accepted` (an embargo was made from it), `rejected` (with a reason the
 * reporter was sent) or `duplicate` (of another report).
 */
export type ReportStatus = 'new' | 'acknowledged' | 'needs_information' | 'accepted' | 'rejected' | 'duplicate';

export const REPORT_STATUSES: readonly ReportStatus[] = [
  'new',
  'acknowledged',
  'needs_information',
  'accepted',
  'rejected',
  'duplicate',
];

/**
 * A private vulnerability report. What the reporter wrote is in `content`, sealed; only the facts
 * the clocks and the queue need are in the clear.
 */
@Entity('report')
export class Report {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  /** What maintainers and the reporter call it by: REP-<number>. */
  @Column({ type: 'integer', insert: false, update: false })
  number!: number;

  @Column({ type: 'text' })
  status!: ReportStatus;

  @Column({ name: 'received_via', type: 'text' })
  receivedVia!: 'form' | 'mail';

  /** The report's date: both clocks count from it, and so does an embargo made from it. */
  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  /** The sealed ReportContent (ReportSeal). */
  @Column({ type: 'bytea' })
  content!: Buffer;

  /** The reporter's key, when one was given: its mail is encrypted to it. */
  @Column({ name: 'reporter_key_fingerprint', type: 'text', nullable: true })
  reporterKeyFingerprint!: string | null;

  /** SHA-256 of the capability link's token, by which the link finds its report. */
  @Column({ name: 'access_token_hash', type: 'text' })
  accessTokenHash!: string;

  /**
   * The token itself, sealed (bound to the report's id): every later mail to the reporter carries
   * the same link again, so the server must be able to show it, and a copy of the database alone
   * must not (docs/architecture.md, invariant 6, as for TOTP seeds).
   */
  @Column({ name: 'access_token_sealed', type: 'bytea' })
  accessTokenSealed!: Buffer;

  /** The one maintainer who handles it. */
  @Column({ name: 'handler_id', type: 'uuid', nullable: true })
  handlerId!: string | null;

  @Column({ name: 'duplicate_of', type: 'uuid', nullable: true })
  duplicateOf!: string | null;

  /** The embargo made when it was accepted. */
  @Column({ name: 'embargo_id', type: 'uuid', nullable: true })
  embargoId!: string | null;

  /** The reporter agrees to be credited, under the credit name in the content. */
  @Column({ name: 'credit_consent', type: 'boolean' })
  creditConsent!: boolean;

  @Column({ name: 'proposed_public_at', type: 'timestamptz', nullable: true })
  proposedPublicAt!: Date | null;

  @Column({ name: 'proposed_time_zone', type: 'text', nullable: true })
  proposedTimeZone!: string | null;

  /** The reporter's answer to the proposed public date; cleared when the date changes. */
  @Column({ name: 'reporter_date_answer', type: 'text', nullable: true })
  reporterDateAnswer!: 'agreed' | 'objected' | null;

  @Column({ name: 'reporter_date_answered_at', type: 'timestamptz', nullable: true })
  reporterDateAnsweredAt!: Date | null;

  /** The maintainers' first answer: the acknowledgement clock stops here. */
  @Column({ name: 'acknowledged_at', type: 'timestamptz', nullable: true })
  acknowledgedAt!: Date | null;

  /** When it was rejected or marked a duplicate: the fix clock stops here. */
  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt!: Date | null;

  /** When the maintainers were reminded of each clock, and told it was overdue: each once. */
  @Column({ name: 'ack_reminded_at', type: 'timestamptz', nullable: true })
  ackRemindedAt!: Date | null;

  @Column({ name: 'ack_overdue_at', type: 'timestamptz', nullable: true })
  ackOverdueAt!: Date | null;

  @Column({ name: 'fix_reminded_at', type: 'timestamptz', nullable: true })
  fixRemindedAt!: Date | null;

  @Column({ name: 'fix_overdue_at', type: 'timestamptz', nullable: true })
  fixOverdueAt!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
