import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Key health (issue 6): a member is warned 30 and 7 days before its key expires, once per key,
 * expiry and threshold (a key whose expiry is extended is warned again before the new date), and
 * the daily check runs once a day whichever worker gets there first. Replaces
 * member.key_expiry_warned_at, which could say only one warning per key.
 */
export class KeyHealth1764301000000 implements MigrationInterface {
  name = 'KeyHealth1764301000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE key_expiry_warning (
        member_id uuid NOT NULL REFERENCES member(id),
        key_fingerprint text NOT NULL,
        key_expires_at timestamptz NOT NULL,
        days_before integer NOT NULL CHECK (days_before > 0),
        warned_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (member_id, key_fingerprint, key_expires_at, days_before)
      )`);
    await q.query(`
      CREATE TABLE key_health_check (
        day date PRIMARY KEY,
        ran_at timestamptz NOT NULL DEFAULT now(),
        warned integer NOT NULL DEFAULT 0,
        -- SHA-256 of the members-to-be-skipped list last reported to the maintainers (null: no report).
        report_digest text
      )`);
    // A member warned under the old rule (30 days) is not warned at 30 days again.
    await q.query(`
      INSERT INTO key_expiry_warning (member_id, key_fingerprint, key_expires_at, days_before, warned_at)
      SELECT id, key_fingerprint, key_expires_at, 30, key_expiry_warned_at FROM member
      WHERE key_expiry_warned_at IS NOT NULL AND key_expires_at IS NOT NULL
        AND key_expiry_warned_at >= key_expires_at - interval '30 days'`);
    await q.query(`ALTER TABLE member DROP COLUMN key_expiry_warned_at`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE member ADD COLUMN key_expiry_warned_at timestamptz`);
    await q.query(`
      UPDATE member m SET key_expiry_warned_at = w.warned_at
      FROM (SELECT member_id, key_fingerprint, max(warned_at) AS warned_at FROM key_expiry_warning GROUP BY 1, 2) w
      WHERE w.member_id = m.id AND w.key_fingerprint = m.key_fingerprint`);
    await q.query(`DROP TABLE key_health_check`);
    await q.query(`DROP TABLE key_expiry_warning`);
  }
}
