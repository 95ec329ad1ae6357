import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A maintainer's bearer token for the JSON API. Only the SHA-256 of the token is kept. */
@Entity('api_token')
export class ApiToken {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'maintainer_id', type: 'uuid' })
  maintainerId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  hash!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
