import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('policy_version')
export class PolicyVersion {
  @PrimaryColumn({ type: 'integer' })
  version!: number;

  @Column({ type: 'text' })
  body!: string;

  /** SHA-256 of the body: what an acknowledgement records, so the exact text agreed to is provable. */
  @Column({ type: 'text' })
  sha256!: string;

  @Column({ name: 'published_at', type: 'timestamptz' })
  publishedAt!: Date;

  @Column({ name: 'published_by' })
  publishedBy!: string;
}
