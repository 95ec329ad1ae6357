import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Catch-up (issue 14): a member that becomes eligible during an active embargo gets that
 * embargo's earlier posts, sealed to it alone. One row per copy made, so that each goes once per
 * post, member and key (UNIQUE); the copy itself waits in the outbound queue.
 */
export class PostCatchUp1764430000000 implements MigrationInterface {
  name = 'PostCatchUp1764430000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE post_catch_up (
        id uuid PRIMARY KEY,
        post_id uuid NOT NULL REFERENCES post(id),
        member_id uuid NOT NULL REFERENCES member(id),
        key_fingerprint text NOT NULL,
        outbound_message_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT post_catch_up_once UNIQUE (post_id, member_id, key_fingerprint)
      )`);
    await q.query(`CREATE INDEX post_catch_up_member ON post_catch_up (member_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE post_catch_up`);
  }
}
