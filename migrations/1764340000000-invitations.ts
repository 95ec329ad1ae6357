import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A maintainer can invite a distributor it knows (issue 11): the invitation names an organisation
 * and the contact address it is bound to, and stands in for a member's vouch (criterion 7) for the
 * one application made with it. Its one-time link lives in one_time_token, as a hash only.
 */
export class Invitations1764340000000 implements MigrationInterface {
  name = 'Invitations1764340000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE invitation (
        id uuid PRIMARY KEY,
        organisation text NOT NULL,
        email text NOT NULL,
        note text,
        invited_by text NOT NULL,
        invited_by_name text NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        -- No foreign key here: application.invitation_id is the one, and a pair pointing both ways
        -- would be a cycle that a backup cannot restore table by table (backup-format.ts).
        application_id uuid,
        revoked_at timestamptz,
        revoked_by text
      )`);
    await q.query(`CREATE INDEX invitation_created ON invitation (created_at)`);
    await q.query(`ALTER TABLE application ADD COLUMN invitation_id uuid REFERENCES invitation(id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE application DROP COLUMN invitation_id`);
    await q.query(`DROP TABLE invitation`);
  }
}
