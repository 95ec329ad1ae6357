import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * invited  - added by the CLI; sets a password with the enrolment link, then an authenticator app
 * active   - password and TOTP both set; may log in, sign posts and use API tokens
 * disabled - may do nothing (disabled by another maintainer or the operator, or stepped down); can be enabled again
 * removed  - may do nothing, for good; password and TOTP seed erased, the row kept for the audit trail
 *
 * 'invited' and 'active' maintainers sign posts and hear maintainer mail; only 'active' ones log in
 * and use API tokens (change-maintainer-standing.ts).
 */
export const maintainerStatuses = ['invited', 'active', 'disabled', 'removed'] as const;
export type MaintainerStatus = (typeof maintainerStatuses)[number];

@Entity('maintainer')
export class Maintainer {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text' })
  email!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'key_armored', type: 'text' })
  keyArmored!: string;

  @Column({ name: 'key_fingerprint', type: 'text' })
  keyFingerprint!: string;

  /** argon2id, PHC string format (`$argon2id$v=19$...`); null until enrolment. */
  @Column({ name: 'password_hash', type: 'text', nullable: true })
  passwordHash!: string | null;

  /** The TOTP seed sealed with the server secret (ServerSecret.seal('totp', ...)); never in clear. */
  @Column({ name: 'totp_secret_sealed', type: 'text', nullable: true })
  totpSecretSealed!: string | null;

  /** The last TOTP time step accepted, so a code cannot be used twice (RFC 6238 section 5.2). */
  @Column({ name: 'totp_last_step', type: 'bigint', nullable: true })
  totpLastStep!: string | null;

  @Column({ type: 'text' })
  status!: MaintainerStatus;

  /** When the maintainer was last told of failed logins (login-failure-notices.ts); null: never. */
  @Column({ name: 'failed_logins_reported_at', type: 'timestamptz', nullable: true })
  failedLoginsReportedAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** What the edges may know about a logged-in maintainer. */
export interface MaintainerIdentity {
  id: string;
  name: string;
  email: string;
}

export function identityOf(maintainer: Maintainer): MaintainerIdentity {
  return { id: maintainer.id, name: maintainer.name, email: maintainer.email };
}
