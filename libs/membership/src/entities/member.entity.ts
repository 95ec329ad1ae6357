import { Column, Entity, PrimaryColumn } from 'typeorm';

export const memberStatuses = ['active', 'suspended', 'removed', 'banned'] as const;
export type MemberStatus = (typeof memberStatuses)[number];

@Entity('member')
export class Member {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text' })
  email!: string;

  @Column({ type: 'text' })
  organisation!: string;

  @Column({ type: 'text' })
  distribution!: string;

  @Column({ name: 'key_armored' })
  keyArmored!: string;

  @Column({ name: 'key_fingerprint' })
  keyFingerprint!: string;

  @Column({ name: 'key_algorithm' })
  keyAlgorithm!: string;

  @Column({ name: 'key_expires_at', type: 'timestamptz', nullable: true })
  keyExpiresAt!: Date | null;

  @Column({ type: 'text' })
  status!: MemberStatus;

  /** The policy version this member last acknowledged; list mail needs the current one. */
  @Column({ name: 'acknowledged_policy_version', type: 'integer', nullable: true })
  acknowledgedPolicyVersion!: number | null;

  /** The products (components, packages) it ships, normalised: an embargo's audience reads them (issue 14). */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  products!: string[];

  @Column({ name: 'application_id', type: 'uuid', nullable: true })
  applicationId!: string | null;

  @Column({ name: 'status_reason', type: 'text', nullable: true })
  statusReason!: string | null;

  @Column({ name: 'joined_at', type: 'timestamptz' })
  joinedAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
