import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Member self-service (issue 5): the need-to-know team members a member registers and their
 * acknowledgements of the Embargo Policy, a member's proposed new key until the key proves itself,
 * and each member's answer (accept or object) to an embargo's proposed date, with the date it answered.
 */
export class SelfService1764201000000 implements MigrationInterface {
  name = 'SelfService1764201000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE team_member (
        id uuid PRIMARY KEY,
        member_id uuid NOT NULL REFERENCES member(id),
        name text NOT NULL,
        email text NOT NULL,
        key_armored text NOT NULL,
        key_fingerprint text NOT NULL,
        key_algorithm text NOT NULL,
        key_expires_at timestamptz,
        registered_at timestamptz NOT NULL DEFAULT now(),
        withdrawn_at timestamptz
      )`);
    // One current registration per address and member; a withdrawn one may be registered again.
    await q.query(
      `CREATE UNIQUE INDEX team_member_current ON team_member (member_id, lower(email)) WHERE withdrawn_at IS NULL`,
    );
    await q.query(`
      CREATE TABLE team_member_acknowledgement (
        id uuid PRIMARY KEY,
        team_member_id uuid NOT NULL REFERENCES team_member(id),
        policy_version integer NOT NULL REFERENCES policy_version(version),
        policy_sha256 text NOT NULL,
        how text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX team_member_acknowledgement_of ON team_member_acknowledgement (team_member_id)`);
    await q.query(`
      CREATE TABLE member_key_proposal (
        id uuid PRIMARY KEY,
        member_id uuid NOT NULL REFERENCES member(id),
        key_armored text NOT NULL,
        key_fingerprint text NOT NULL,
        key_algorithm text NOT NULL,
        key_expires_at timestamptz,
        proposed_at timestamptz NOT NULL DEFAULT now(),
        confirmed_at timestamptz,
        superseded_at timestamptz
      )`);
    await q.query(`CREATE INDEX member_key_proposal_of ON member_key_proposal (member_id)`);
    await q.query(`
      CREATE TABLE embargo_date_answer (
        embargo_id uuid NOT NULL REFERENCES embargo(id),
        member_id uuid NOT NULL REFERENCES member(id),
        answer text NOT NULL CHECK (answer IN ('accept', 'object')),
        comment text NOT NULL DEFAULT '',
        public_at timestamptz NOT NULL,
        answered_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (embargo_id, member_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['embargo_date_answer', 'member_key_proposal', 'team_member_acknowledgement', 'team_member']) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
