import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One of a maintainer's one-time recovery codes, by its hash only (recovery-codes.ts). */
@Entity('maintainer_recovery_code')
export class MaintainerRecoveryCode {
  @PrimaryColumn({ name: 'maintainer_id', type: 'uuid' })
  maintainerId!: string;

  @PrimaryColumn({ type: 'text' })
  hash!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** When it was used to log in; a used code is refused like an unknown one. */
  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt!: Date | null;
}
