import { MigrationInterface, QueryRunner } from 'typeorm';

/** When a member was last warned that its key expires soon, so the warning goes once per key. */
export class KeyExpiryWarning1764000002000 implements MigrationInterface {
  name = 'KeyExpiryWarning1764000002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE member ADD COLUMN key_expiry_warned_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE member DROP COLUMN key_expiry_warned_at`);
  }
}
