import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a finished inbound message's bytes were erased (INBOUND_RETENTION_DAYS). The row stays: the
 * audit log and a post name it. The index finds what is due without reading the bytes.
 */
export class InboundRetention1764000003000 implements MigrationInterface {
  name = 'InboundRetention1764000003000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE inbound_message ADD COLUMN raw_erased_at timestamptz`);
    await q.query(
      `CREATE INDEX inbound_message_to_erase ON inbound_message (processed_at)
       WHERE raw_erased_at IS NULL AND status IN ('processed', 'refused')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX inbound_message_to_erase`);
    await q.query(`ALTER TABLE inbound_message DROP COLUMN raw_erased_at`);
  }
}
