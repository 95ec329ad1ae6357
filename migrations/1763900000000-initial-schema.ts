import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The membership foundation: audit chain, list key, policy versions, applications, vouches,
 * members, maintainers, one-time tokens, API tokens, admin sessions and the outbound queue.
 */
export class InitialSchema1763900000000 implements MigrationInterface {
  name = 'InitialSchema1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_entry (
        seq bigint PRIMARY KEY,
        at timestamptz NOT NULL,
        actor text NOT NULL,
        action text NOT NULL,
        subject text NOT NULL,
        details jsonb NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL
      )`);
    // The chain's head, moved in the same transaction as each append: deleting the newest
    // entries is then found too, not only edits and gaps inside the chain.
    await q.query(`
      CREATE TABLE audit_head (
        id smallint PRIMARY KEY CHECK (id = 1),
        seq bigint NOT NULL,
        hash text NOT NULL
      )`);
    await q.query(`
      CREATE TABLE list_key (
        id smallint PRIMARY KEY CHECK (id = 1),
        fingerprint text NOT NULL,
        public_key text NOT NULL,
        encrypted_private_key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE policy_version (
        version integer PRIMARY KEY,
        body text NOT NULL,
        sha256 text NOT NULL,
        published_at timestamptz NOT NULL DEFAULT now(),
        published_by text NOT NULL
      )`);
    await q.query(`
      CREATE TABLE member (
        id uuid PRIMARY KEY,
        email text NOT NULL,
        organisation text NOT NULL,
        distribution text NOT NULL DEFAULT '',
        key_armored text NOT NULL,
        key_fingerprint text NOT NULL,
        key_algorithm text NOT NULL,
        key_expires_at timestamptz,
        status text NOT NULL CHECK (status IN ('active', 'suspended', 'removed', 'banned')),
        acknowledged_policy_version integer REFERENCES policy_version(version),
        application_id uuid,
        status_reason text,
        joined_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX member_email_unique ON member (lower(email)) WHERE status IN ('active', 'suspended')`,
    );
    await q.query(`
      CREATE TABLE policy_acknowledgement (
        id uuid PRIMARY KEY,
        member_id uuid NOT NULL REFERENCES member(id),
        policy_version integer NOT NULL REFERENCES policy_version(version),
        policy_sha256 text NOT NULL,
        how text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE application (
        id uuid PRIMARY KEY,
        status text NOT NULL,
        organisation text NOT NULL,
        distribution text NOT NULL,
        website text NOT NULL,
        contact_name text NOT NULL,
        contact_email text NOT NULL,
        key_armored text NOT NULL,
        key_fingerprint text NOT NULL,
        key_algorithm text NOT NULL,
        key_expires_at timestamptz,
        evidence jsonb NOT NULL,
        policy_version integer NOT NULL REFERENCES policy_version(version),
        policy_sha256 text NOT NULL,
        voucher_email text NOT NULL,
        voucher_member_id uuid REFERENCES member(id),
        status_token_hash text NOT NULL UNIQUE,
        info_request text,
        info_reply text,
        decision_reason text,
        member_id uuid REFERENCES member(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX application_status ON application (status, created_at)`);
    await q.query(`
      CREATE TABLE vouch (
        id uuid PRIMARY KEY,
        application_id uuid NOT NULL REFERENCES application(id),
        member_id uuid NOT NULL REFERENCES member(id),
        decision text NOT NULL CHECK (decision IN ('vouched', 'declined')),
        comment text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE maintainer (
        id uuid PRIMARY KEY,
        email text NOT NULL,
        name text NOT NULL,
        key_armored text NOT NULL,
        key_fingerprint text NOT NULL,
        password_hash text,
        totp_secret_sealed text,
        totp_last_step bigint,
        status text NOT NULL CHECK (status IN ('invited', 'active', 'disabled')),
        failed_logins integer NOT NULL DEFAULT 0,
        locked_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX maintainer_email_unique ON maintainer (lower(email))`);
    await q.query(`
      CREATE TABLE application_comment (
        id uuid PRIMARY KEY,
        application_id uuid NOT NULL REFERENCES application(id),
        maintainer_id uuid NOT NULL REFERENCES maintainer(id),
        body text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    // Single-use, short-lived links; only the SHA-256 of the token is kept (docs/architecture.md, invariant 6).
    await q.query(`
      CREATE TABLE one_time_token (
        hash text PRIMARY KEY,
        purpose text NOT NULL,
        subject_id uuid NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE api_token (
        id uuid PRIMARY KEY,
        maintainer_id uuid NOT NULL REFERENCES maintainer(id),
        name text NOT NULL,
        hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE web_session (
        sid text PRIMARY KEY,
        data jsonb NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX web_session_expiry ON web_session (expires_at)`);
    await q.query(`
      CREATE TABLE outbound_message (
        id uuid PRIMARY KEY,
        purpose text NOT NULL,
        sender text NOT NULL,
        recipient text NOT NULL,
        raw bytea NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz
      )`);
    await q.query(`CREATE INDEX outbound_message_due ON outbound_message (next_attempt_at) WHERE status = 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'outbound_message',
      'web_session',
      'api_token',
      'one_time_token',
      'application_comment',
      'maintainer',
      'vouch',
      'application',
      'policy_acknowledgement',
      'member',
      'policy_version',
      'list_key',
      'audit_head',
      'audit_entry',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
