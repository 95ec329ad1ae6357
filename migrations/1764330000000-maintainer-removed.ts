import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Maintainers come and go (issue 11): a maintainer can now be removed for good, beside disabled
 * (which another maintainer can undo). A removed maintainer's row stays for the audit trail and
 * for the names on what it did; it signs nothing, hears nothing and logs in nowhere.
 */
export class MaintainerRemoved1764330000000 implements MigrationInterface {
  name = 'MaintainerRemoved1764330000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE maintainer DROP CONSTRAINT maintainer_status_check`);
    await q.query(
      `ALTER TABLE maintainer ADD CONSTRAINT maintainer_status_check
         CHECK (status IN ('invited', 'active', 'disabled', 'removed'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE maintainer SET status = 'disabled' WHERE status = 'removed'`);
    await q.query(`ALTER TABLE maintainer DROP CONSTRAINT maintainer_status_check`);
    await q.query(
      `ALTER TABLE maintainer ADD CONSTRAINT maintainer_status_check CHECK (status IN ('invited', 'active', 'disabled'))`,
    );
  }
}
