import { Column, Entity, PrimaryColumn } from 'typeorm';

/** What a member states about an embargo (issue 14), as vendors state theirs. */
export const memberEmbargoStatuses = ['affected', 'not_affected', 'fixed', 'will_publish'] as const;
export type MemberEmbargoStatusKind = (typeof memberEmbargoStatuses)[number];

/** Where a status was set: the member's self-service page, a signed mail to -ack, or the API. */
export const statusVias = ['self_service', 'mail', 'api'] as const;
export type StatusVia = (typeof statusVias)[number];

/**
 * A member's status for one embargo: one row per member and embargo, replaced when it is stated
 * again; the audit log keeps every statement.
 */
@Entity('embargo_member_status')
export class EmbargoMemberStatus {
  @PrimaryColumn({ name: 'embargo_id', type: 'uuid' })
  embargoId!: string;

  @PrimaryColumn({ name: 'member_id', type: 'uuid' })
  memberId!: string;

  @Column({ type: 'text' })
  status!: MemberEmbargoStatusKind;

  /** The version that fixes it, for `fixed`; otherwise null. */
  @Column({ name: 'fixed_version', type: 'text', nullable: true })
  fixedVersion!: string | null;

  /** When the member will publish, for `will_publish`; otherwise null. */
  @Column({ name: 'publish_at', type: 'timestamptz', nullable: true })
  publishAt!: Date | null;

  @Column({ type: 'text' })
  via!: StatusVia;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
