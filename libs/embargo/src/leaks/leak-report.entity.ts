import { Column, Entity, PrimaryColumn } from 'typeorm';

export const leakReporterKinds = ['member', 'maintainer', 'public', 'mail'] as const;
export type LeakReporterKind = (typeof leakReporterKinds)[number];

/** open: waits for triage; dismissed: not a leak (or not attributable); confirmed: a strike on a member. */
export const leakReportStatuses = ['open', 'dismissed', 'confirmed'] as const;
export type LeakReportStatus = (typeof leakReportStatuses)[number];

/**
 * A leak report (docs/architecture.md, flow "Leak"; embargo policy: "a member who leaks (or learns of a leak)
 * must tell the maintainers at once what leaked and to whom"). Its free text may itself be
 * embargoed information: it is shown to maintainers only, and never copied into the audit log.
 */
@Entity('leak_report')
export class LeakReport {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'embargo_id', type: 'uuid', nullable: true })
  embargoId!: string | null;

  @Column({ name: 'what_leaked', type: 'text' })
  whatLeaked!: string;

  @Column({ name: 'leaked_to', type: 'text' })
  leakedTo!: string;

  @Column({ name: 'leaked_at', type: 'timestamptz', nullable: true })
  leakedAt!: Date | null;

  @Column({ type: 'text' })
  evidence!: string;

  @Column({ name: 'self_reported', type: 'boolean' })
  selfReported!: boolean;

  @Column({ name: 'reporter_kind', type: 'text' })
  reporterKind!: LeakReporterKind;

  /** The member who filed it (self-service or signed mail). */
  @Column({ name: 'reporter_member_id', type: 'uuid', nullable: true })
  reporterMemberId!: string | null;

  @Column({ name: 'reporter_maintainer_id', type: 'uuid', nullable: true })
  reporterMaintainerId!: string | null;

  /** An address a public reporter chose to leave; never mailed by the service (it has no key). */
  @Column({ name: 'reporter_contact', type: 'text', nullable: true })
  reporterContact!: string | null;

  /** A member a maintainer named when filing; only a hint for triage, not an attribution. */
  @Column({ name: 'suspected_member_id', type: 'uuid', nullable: true })
  suspectedMemberId!: string | null;

  @Column({ type: 'text' })
  status!: LeakReportStatus;

  /** The member a confirmed leak is attributed to (and whose strike it is). */
  @Column({ name: 'attributed_member_id', type: 'uuid', nullable: true })
  attributedMemberId!: string | null;

  @Column({ name: 'triage_reason', type: 'text', nullable: true })
  triageReason!: string | null;

  @Column({ name: 'triaged_by', type: 'uuid', nullable: true })
  triagedBy!: string | null;

  @Column({ name: 'triaged_at', type: 'timestamptz', nullable: true })
  triagedAt!: Date | null;

  /** Whether confirming it marked its embargo broken. */
  @Column({ name: 'embargo_broken', type: 'boolean' })
  embargoBroken!: boolean;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
