import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Audit checkpoints (issue 10): each checkpoint of the audit log mailed to the maintainers, signed
 * by the list key, daily and after a decision that matters. The row of a daily one carries its UTC
 * day, unique, so that several workers send that day's checkpoint once. The rows are a record
 * only: what proves the log is the copies the maintainers keep, outside the database.
 *
 * The audit chain itself needs no change of schema: entries written before the chain was keyed
 * keep their SHA-256 hashes, and the first start of this version seals them with one keyed entry
 * (`initialise`), which SQL alone could not write (the key is not in the database).
 */
export class AuditCheckpoints1764310000000 implements MigrationInterface {
  name = 'AuditCheckpoints1764310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_checkpoint (
        id uuid PRIMARY KEY,
        entries bigint NOT NULL CHECK (entries >= 0),
        head_hash text NOT NULL,
        -- 'daily', or the decision it followed: 'application.approved', 'member.removed', 'embargo.lifted'.
        reason text NOT NULL,
        made_at timestamptz NOT NULL DEFAULT now(),
        daily_for date UNIQUE,
        maintainers_mailed integer NOT NULL DEFAULT 0
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_checkpoint`);
  }
}
