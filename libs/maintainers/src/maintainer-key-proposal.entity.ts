import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A key proposed to replace a maintainer's own. It signs nothing until the link mailed encrypted to
 * it is followed (proving the maintainer holds it); a newer proposal supersedes it. Until then the
 * maintainer's current key stays the one its posts must be signed with.
 */
@Entity('maintainer_key_proposal')
export class MaintainerKeyProposal {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'maintainer_id', type: 'uuid' })
  maintainerId!: string;

  @Column({ name: 'key_armored', type: 'text' })
  keyArmored!: string;

  @Column({ name: 'key_fingerprint', type: 'text' })
  keyFingerprint!: string;

  /** Who proposed it: `maintainer:<id>` (the maintainer itself) or `cli` (the operator). */
  @Column({ name: 'proposed_by', type: 'text' })
  proposedBy!: string;

  @Column({ name: 'proposed_at', type: 'timestamptz' })
  proposedAt!: Date;

  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true })
  confirmedAt!: Date | null;

  @Column({ name: 'superseded_at', type: 'timestamptz', nullable: true })
  supersededAt!: Date | null;
}
