import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Maintainers' internal notes on an application; never shown to the applicant. */
@Entity('application_comment')
export class ApplicationComment {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'application_id', type: 'uuid' })
  applicationId!: string;

  @Column({ name: 'maintainer_id', type: 'uuid' })
  maintainerId!: string;

  @Column({ type: 'text' })
  body!: string;

  @Column({ type: 'timestamptz' })
  at!: Date;
}
