import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Members come and go (issue 11): a member can change its contact address itself. The new address
 * waits here until the link mailed to it, encrypted to the member's key, is followed; with it, the
 * member's key as updated to carry the new address (the same key, a user ID added), if it was given.
 */
export class MemberEmailChange1764370000000 implements MigrationInterface {
  name = 'MemberEmailChange1764370000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE member_email_change (
        id uuid PRIMARY KEY,
        member_id uuid NOT NULL REFERENCES member(id),
        previous_email text NOT NULL,
        new_email text NOT NULL,
        key_armored text,
        proposed_at timestamptz NOT NULL DEFAULT now(),
        confirmed_at timestamptz,
        superseded_at timestamptz
      )`);
    await q.query(`CREATE INDEX member_email_change_of ON member_email_change (member_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE member_email_change`);
  }
}
