import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A file that came with a report (a proof of concept) or with a reporter's message (`eventId`).
 * Its name, type and bytes are sealed together, bound to the attachment's id; only the size is in
 * the clear, for REPORT_MAX_BYTES.
 */
@Entity('report_attachment')
export class ReportAttachment {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'report_id', type: 'uuid' })
  reportId!: string;

  @Column({ name: 'event_id', type: 'uuid', nullable: true })
  eventId!: string | null;

  @Column({ type: 'integer' })
  size!: number;

  @Column({ type: 'bytea' })
  sealed!: Buffer;
}
