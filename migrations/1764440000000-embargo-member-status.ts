import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each member's status per embargo (issue 14), as vendors state theirs: affected, not affected,
 * fixed in a version, or will publish at a moment. One row per member and embargo, replaced when
 * the member states it again; the audit log keeps every statement.
 */
export class EmbargoMemberStatus1764440000000 implements MigrationInterface {
  name = 'EmbargoMemberStatus1764440000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE embargo_member_status (
        embargo_id uuid NOT NULL REFERENCES embargo(id),
        member_id uuid NOT NULL REFERENCES member(id),
        status text NOT NULL CHECK (status IN ('affected', 'not_affected', 'fixed', 'will_publish')),
        fixed_version text NULL,
        publish_at timestamptz NULL,
        via text NOT NULL CHECK (via IN ('self_service', 'mail', 'api')),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (embargo_id, member_id),
        CHECK ((status = 'fixed') = (fixed_version IS NOT NULL)),
        CHECK ((status = 'will_publish') = (publish_at IS NOT NULL))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE embargo_member_status');
  }
}
