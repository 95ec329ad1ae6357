import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Embargoes (issue 5): a coming disclosure, numbered for subject tags ([EMB-12]), with its agreed
 * public moment kept as an instant and as the time zone it was agreed in.
 */
export class Embargo1764100000000 implements MigrationInterface {
  name = 'Embargo1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE embargo (
        id uuid PRIMARY KEY,
        number serial UNIQUE,
        title text NOT NULL,
        cve_ids text[] NOT NULL DEFAULT '{}',
        cvss_vector text,
        cvss_score numeric(3, 1),
        cvss_severity text,
        affected_versions text NOT NULL DEFAULT '',
        fixed_versions text NOT NULL DEFAULT '',
        reporter_credit text NOT NULL DEFAULT '',
        public_at timestamptz NOT NULL,
        time_zone text NOT NULL,
        over_limit_reason text,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'lifted', 'broken')),
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        ended_at timestamptz,
        CHECK ((cvss_vector IS NULL) = (cvss_score IS NULL))
      )`);
    await q.query(`CREATE INDEX embargo_active ON embargo (public_at) WHERE status = 'active'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE embargo`);
  }
}
