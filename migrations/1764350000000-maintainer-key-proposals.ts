import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Maintainers come and go (issue 11): a maintainer's key can be replaced, proved as a member's is.
 * A proposed key waits here until the link mailed encrypted to it is followed.
 */
export class MaintainerKeyProposals1764350000000 implements MigrationInterface {
  name = 'MaintainerKeyProposals1764350000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE maintainer_key_proposal (
        id uuid PRIMARY KEY,
        maintainer_id uuid NOT NULL REFERENCES maintainer(id),
        key_armored text NOT NULL,
        key_fingerprint text NOT NULL,
        proposed_by text NOT NULL,
        proposed_at timestamptz NOT NULL DEFAULT now(),
        confirmed_at timestamptz,
        superseded_at timestamptz
      )`);
    await q.query(`CREATE INDEX maintainer_key_proposal_of ON maintainer_key_proposal (maintainer_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE maintainer_key_proposal`);
  }
}
