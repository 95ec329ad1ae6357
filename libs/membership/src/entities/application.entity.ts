import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * unconfirmed     - submitted; waits for the applicant to follow the encrypted confirmation link
 * awaiting_vouch  - mailbox and key proven; the voucher has been asked (if a member)
 * vouch_declined  - the voucher declined; maintainers decide what next
 * in_review       - vouched, or invited by a maintainer; waits for the maintainers
 * needs_info      - maintainers asked the applicant for more information
 * approved / rejected - decided
 */
export const applicationStatuses = [
  'unconfirmed',
  'awaiting_vouch',
  'vouch_declined',
  'in_review',
  'needs_info',
  'approved',
  'rejected',
] as const;
export type ApplicationStatus = (typeof applicationStatuses)[number];

/** Evidence for criteria 1–5 of docs/architecture.md, free text with links, keyed by criterion number. */
export type Evidence = Record<'1' | '2' | '3' | '4' | '5', string>;

@Entity('application')
export class Application {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text' })
  status!: ApplicationStatus;

  @Column({ type: 'text' })
  organisation!: string;

  @Column({ type: 'text' })
  distribution!: string;

  @Column({ type: 'text' })
  website!: string;

  @Column({ name: 'contact_name' })
  contactName!: string;

  @Column({ name: 'contact_email' })
  contactEmail!: string;

  @Column({ name: 'key_armored' })
  keyArmored!: string;

  @Column({ name: 'key_fingerprint' })
  keyFingerprint!: string;

  @Column({ name: 'key_algorithm' })
  keyAlgorithm!: string;

  @Column({ name: 'key_expires_at', type: 'timestamptz', nullable: true })
  keyExpiresAt!: Date | null;

  @Column({ type: 'jsonb' })
  evidence!: Evidence;

  @Column({ name: 'policy_version', type: 'integer' })
  policyVersion!: number;

  @Column({ name: 'policy_sha256' })
  policySha256!: string;

  /** Empty when the application was made with an invitation, which stands in for the vouch. */
  @Column({ name: 'voucher_email' })
  voucherEmail!: string;

  /** The maintainer's invitation it was made with (criterion 7 without a vouch), if any. */
  @Column({ name: 'invitation_id', type: 'uuid', nullable: true })
  invitationId!: string | null;

  /** Set when the voucher is an active member. Never shown to the applicant. */
  @Column({ name: 'voucher_member_id', type: 'uuid', nullable: true })
  voucherMemberId!: string | null;

  @Column({ name: 'status_token_hash' })
  statusTokenHash!: string;

  @Column({ name: 'info_request', type: 'text', nullable: true })
  infoRequest!: string | null;

  @Column({ name: 'info_reply', type: 'text', nullable: true })
  infoReply!: string | null;

  @Column({ name: 'decision_reason', type: 'text', nullable: true })
  decisionReason!: string | null;

  @Column({ name: 'member_id', type: 'uuid', nullable: true })
  memberId!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
