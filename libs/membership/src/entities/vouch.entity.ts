import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('vouch')
export class Vouch {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'application_id', type: 'uuid' })
  applicationId!: string;

  @Column({ name: 'member_id', type: 'uuid' })
  memberId!: string;

  @Column({ type: 'text' })
  decision!: 'vouched' | 'declined';

  @Column({ type: 'text' })
  comment!: string;

  @Column({ type: 'timestamptz' })
  at!: Date;
}
