import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Login slow-down per (maintainer, client address) instead of an account lock (issue 10, item 6):
 * five wrong passwords every 15 minutes from anywhere locked a maintainer out for good. Now each
 * address that fails is made to wait, longer after each failure, and the account stays open to
 * every other address. The failures not yet told to the maintainer are kept per address, and the
 * maintainer row remembers when it was last told.
 */
export class LoginThrottle1764320000000 implements MigrationInterface {
  name = 'LoginThrottle1764320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE login_throttle (
        maintainer_id uuid NOT NULL REFERENCES maintainer(id) ON DELETE CASCADE,
        -- an IPv4 address, or the /64 of an IPv6 address (one subscriber's)
        address text NOT NULL,
        -- failures since this address last logged in, or since it was forgotten
        failures integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
        -- no attempt from this address is checked before then
        not_before timestamptz,
        last_failed_at timestamptz NOT NULL,
        unreported_passwords integer NOT NULL DEFAULT 0 CHECK (unreported_passwords >= 0),
        unreported_codes integer NOT NULL DEFAULT 0 CHECK (unreported_codes >= 0),
        first_unreported_at timestamptz,
        PRIMARY KEY (maintainer_id, address)
      )`);
    await q.query(`ALTER TABLE maintainer ADD COLUMN failed_logins_reported_at timestamptz`);
    await q.query(`ALTER TABLE maintainer DROP COLUMN failed_logins, DROP COLUMN locked_until`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE maintainer ADD COLUMN failed_logins integer NOT NULL DEFAULT 0, ADD COLUMN locked_until timestamptz`,
    );
    await q.query(`ALTER TABLE maintainer DROP COLUMN failed_logins_reported_at`);
    await q.query(`DROP TABLE login_throttle`);
  }
}
