import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One-time recovery codes for maintainers (issue 11): a maintainer who loses its authenticator app
 * logs in with one of the codes shown once at enrolment. Only a hash of each code is kept
 * (libs/maintainers/src/recovery-codes.ts says why SHA-256 suffices); a used code keeps its row,
 * marked, so the count of codes left is a plain query and a replay finds nothing unused.
 */
export class MaintainerRecoveryCodes1764355000000 implements MigrationInterface {
  name = 'MaintainerRecoveryCodes1764355000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE maintainer_recovery_code (
        maintainer_id uuid NOT NULL REFERENCES maintainer(id) ON DELETE CASCADE,
        -- hex SHA-256 of the normalised code; the code itself is never stored
        hash text NOT NULL,
        created_at timestamptz NOT NULL,
        used_at timestamptz,
        PRIMARY KEY (maintainer_id, hash)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE maintainer_recovery_code`);
  }
}
