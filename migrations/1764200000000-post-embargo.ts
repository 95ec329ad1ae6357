import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Posts belong to embargoes (issue 5): a post's `[EMB-n]` subject tag links it, or a maintainer
 * does later from the admin UI. Reminders before an embargo's public moment are sent once each.
 */
export class PostEmbargo1764200000000 implements MigrationInterface {
  name = 'PostEmbargo1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE post ADD COLUMN embargo_id uuid REFERENCES embargo(id)`);
    await q.query(`CREATE INDEX post_embargo ON post (embargo_id) WHERE embargo_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE embargo_reminder (
        embargo_id uuid NOT NULL REFERENCES embargo(id),
        -- Hours before the agreed public moment (0: the moment has passed and it is not lifted).
        hours_before integer NOT NULL CHECK (hours_before >= 0),
        -- The public moment the reminder was for: an extension makes its reminders due again.
        public_at timestamptz NOT NULL,
        sent_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (embargo_id, hours_before, public_at)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE embargo_reminder`);
    await q.query(`ALTER TABLE post DROP COLUMN embargo_id`);
  }
}
