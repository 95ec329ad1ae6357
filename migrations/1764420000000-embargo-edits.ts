import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An embargo can change (issue 14): beside its title, CVE IDs and versions, it carries a
 * description, the mitigations members can apply before a fix, and references (http(s) URLs, at
 * most 20), which the advisory export (OSV, CSAF) carries too.
 */
export class EmbargoEdits1764420000000 implements MigrationInterface {
  name = 'EmbargoEdits1764420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE embargo ADD COLUMN description text NOT NULL DEFAULT ''`);
    await q.query(`ALTER TABLE embargo ADD COLUMN mitigations text NOT NULL DEFAULT ''`);
    await q.query(`ALTER TABLE embargo ADD COLUMN reference_urls text[] NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE embargo DROP COLUMN reference_urls`);
    await q.query(`ALTER TABLE embargo DROP COLUMN mitigations`);
    await q.query(`ALTER TABLE embargo DROP COLUMN description`);
  }
}
