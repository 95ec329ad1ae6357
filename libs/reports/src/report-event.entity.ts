import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * What happened to a report, in order: a change of state, a message to the reporter or to an
 * outside party, the reporter's message, an internal comment, a proposed date and its answer, the
 * credit, the handler. `body` is sealed JSON (ReportSeal), bound to the event's id.
 */
export type ReportEventKind =
  | 'status'
  | 'message_to_reporter'
  | 'message_to_outsider'
  | 'reporter_message'
  | 'comment'
  | 'date_proposed'
  | 'date_answered'
  | 'credit'
  | 'handler';

@Entity('report_event')
export class ReportEvent {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'report_id', type: 'uuid' })
  reportId!: string;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ type: 'text' })
  kind!: ReportEventKind;

  /** `maintainer:<id>`, `reporter` or `system`, as in the audit log. */
  @Column({ type: 'text' })
  actor!: string;

  /** Whether the reporter's page shows it (internal comments and outsider messages are not). */
  @Column({ name: 'shown_to_reporter', type: 'boolean' })
  shownToReporter!: boolean;

  @Column({ type: 'bytea', nullable: true })
  body!: Buffer | null;
}
