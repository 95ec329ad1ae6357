import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An audience per embargo (issue 14): members state the products they ship, an embargo names the
 * products it affects and whether its audience is everyone or the members shipping one of them,
 * and maintainers may include or exclude a member by hand.
 */
export class EmbargoAudience1764400000000 implements MigrationInterface {
  name = 'EmbargoAudience1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE member ADD COLUMN products text[] NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE embargo ADD COLUMN products text[] NOT NULL DEFAULT '{}'`);
    await q.query(
      `ALTER TABLE embargo ADD COLUMN audience_mode text NOT NULL DEFAULT 'all'
         CHECK (audience_mode IN ('all', 'products'))`,
    );
    await q.query(
      `CREATE TABLE embargo_audience_pick (
         embargo_id uuid NOT NULL REFERENCES embargo(id),
         member_id uuid NOT NULL REFERENCES member(id),
         pick text NOT NULL CHECK (pick IN ('include', 'exclude')),
         picked_by text NOT NULL,
         picked_at timestamptz NOT NULL,
         PRIMARY KEY (embargo_id, member_id)
       )`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE embargo_audience_pick`);
    await q.query(`ALTER TABLE embargo DROP COLUMN audience_mode`);
    await q.query(`ALTER TABLE embargo DROP COLUMN products`);
    await q.query(`ALTER TABLE member DROP COLUMN products`);
  }
}
