import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One confirmed leak counted against a member (docs/architecture.md, flow "Leak"). One per leak report. */
@Entity('strike')
export class Strike {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'member_id', type: 'uuid' })
  memberId!: string;

  @Column({ name: 'leak_report_id', type: 'uuid' })
  leakReportId!: string;

  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
