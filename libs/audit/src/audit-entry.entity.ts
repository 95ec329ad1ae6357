import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('audit_entry')
export class AuditEntry {
  @PrimaryColumn({ type: 'bigint' })
  seq!: string;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column()
  actor!: string;

  @Column()
  action!: string;

  @Column()
  subject!: string;

  @Column({ type: 'jsonb' })
  details!: Record<string, unknown>;

  @Column({ name: 'prev_hash' })
  prevHash!: string;

  @Column()
  hash!: string;
}
