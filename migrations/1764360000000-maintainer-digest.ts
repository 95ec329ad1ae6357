import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What waits for the maintainers, as a digest (issue 11, README "What waits for the maintainers"):
 * the one row says when the last digest went, and is what several relays lock so that one of
 * them sends it; the reported items are what makes an item new (a digest goes only when one is).
 * Bounce counts need nothing stored: they are read from the copies' outcomes.
 */
export class MaintainerDigest1764360000000 implements MigrationInterface {
  name = 'MaintainerDigest1764360000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE maintainer_digest_state (
         id integer PRIMARY KEY CHECK (id = 1),
         last_sent_at timestamptz
       )`,
    );
    await q.query(`INSERT INTO maintainer_digest_state (id, last_sent_at) VALUES (1, NULL)`);
    await q.query(
      `CREATE TABLE maintainer_digest_item (
         item_key text PRIMARY KEY,
         reported_at timestamptz NOT NULL
       )`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE maintainer_digest_item`);
    await q.query(`DROP TABLE maintainer_digest_state`);
  }
}
