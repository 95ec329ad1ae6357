import { Column, Entity, PrimaryColumn } from 'typeorm';
import { CvssSeverity } from './cvss';

/** active: running; lifted: made public by the maintainers; broken: ended early by a leak. */
export type EmbargoStatus = 'active' | 'lifted' | 'broken';

/** Who an embargo's mail reaches (issue 14): every member, or those shipping an affected product. */
export const audienceModes = ['all', 'products'] as const;
export type AudienceMode = (typeof audienceModes)[number];

/** A coming disclosure (docs/architecture.md, flow "Embargo"). */
@Entity('embargo')
export class Embargo {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  /** What subject tags name it by: [EMB-<number>]. */
  @Column({ type: 'integer', insert: false, update: false })
  number!: number;

  @Column({ type: 'text' })
  title!: string;

  @Column({ name: 'cve_ids', type: 'text', array: true })
  cveIds!: string[];

  @Column({ name: 'cvss_vector', type: 'text', nullable: true })
  cvssVector!: string | null;

  @Column({
    name: 'cvss_score',
    type: 'numeric',
    nullable: true,
    // numeric comes back as a string; scores have one decimal and fit a double exactly enough.
    transformer: { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) },
  })
  cvssScore!: number | null;

  @Column({ name: 'cvss_severity', type: 'text', nullable: true })
  cvssSeverity!: CvssSeverity | null;

  @Column({ name: 'affected_versions', type: 'text' })
  affectedVersions!: string;

  @Column({ name: 'fixed_versions', type: 'text' })
  fixedVersions!: string;

  @Column({ name: 'reporter_credit', type: 'text' })
  reporterCredit!: string;

  /** What the issue is (issue 14): for the members, and the advisory's details. */
  @Column({ type: 'text' })
  description!: string;

  /** What members can do before a fix (issue 14). */
  @Column({ type: 'text' })
  mitigations!: string;

  /** http(s) URLs only, at most 20 (issue 14); the advisory's references. */
  @Column({ name: 'reference_urls', type: 'text', array: true })
  referenceUrls!: string[];

  /** The agreed public disclosure moment. */
  @Column({ name: 'public_at', type: 'timestamptz' })
  publicAt!: Date;

  /** The IANA time zone the date was agreed in, to show it as agreed. */
  @Column({ name: 'time_zone', type: 'text' })
  timeZone!: string;

  /** Why the embargo runs past MAX_EMBARGO_BUSINESS_DAYS, when it does. */
  @Column({ name: 'over_limit_reason', type: 'text', nullable: true })
  overLimitReason!: string | null;

  /**
   * Where MAX_EMBARGO_BUSINESS_DAYS counts from: the day it was recorded, or the date of the
   * vulnerability report it was made from (issue 13).
   */
  @Column({ name: 'limit_counted_from', type: 'timestamptz' })
  limitCountedFrom!: Date;

  @Column({ type: 'text' })
  status!: EmbargoStatus;

  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  /** The products it affects, normalised (normaliseProducts): its audience in mode `products` (issue 14). */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  products!: string[];

  /** Who its mail reaches: every member, or those shipping one of `products` (picks aside). */
  @Column({ name: 'audience_mode', type: 'text', default: 'all' })
  audienceMode!: AudienceMode;

  /** When it was lifted or broken. */
  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;
}
