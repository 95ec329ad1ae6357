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
    // No row here: the digest job makes it on first use, so that a restore, which runs this
    // migration and then loads the backup's rows, does not meet it twice.
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
